using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp audit</c>: the audit log, newest last, as a table or one JSON object per line.</summary>
public static class AuditCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var agent = new Option<string?>("--agent") { Description = "Only this agent's calls." };
        var since = new Option<string?>("--since") { Description = "Only calls in the last DURATION, e.g. 30m, 24h, 7d." };
        var json = new Option<bool>("--json")
        {
            Description = "One JSON object per line: id, time, agent, role, tool, outcome, code, message, amount, currency, object, " +
                          "stripe_request_id, idempotency_key, duration_ms, arguments (arguments_sha256 when cut), recurring_delta, hash.",
        };
        var limit = new Option<int?>("--limit") { Description = "At most this many of the newest records." };
        var tool = new Option<string?>("--tool") { Description = "Only calls of this tool." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome: allowed, denied, failed or unknown." };
        var until = new Option<string?>("--until") { Description = "Only calls older than DURATION ago (with --since: a time slice)." };
        var csv = new Option<bool>("--csv") { Description = "Comma-separated values with a header row, for spreadsheets." };
        var command = new Command("audit", "Show the audit log, newest last; filter it, or export it as JSON lines or CSV.")
        {
            agent, tool, outcome, since, until, json, csv, limit, AuditChainCommands.Verify(context), AuditChainCommands.Export(context),
            AuditCheckpointCommands.Keygen(context), AuditCheckpointCommands.Checkpoint(context),
        };
        command.Validators.Add(result =>
        {
            foreach (var option in new[] { since, until })
            {
                if (result.GetValue(option) is { } text && DurationText.TryParse(text) is null)
                {
                    result.AddError($"{option.Name}: '{text}' is not a duration such as 30m, 24h or 7d");
                }
            }

            if (result.GetValue(outcome) is { } o && o is not (AuditOutcomes.Allowed or AuditOutcomes.Denied or AuditOutcomes.Failed or AuditOutcomes.Unknown))
            {
                result.AddError($"--outcome: '{o}' is not one of allowed, denied, failed, unknown");
            }

            if (result.GetValue(json) && result.GetValue(csv))
            {
                result.AddError("give --json or --csv, not both");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var ledger = await cli.OpenLedgerAsync(ct);
            if (parse.GetValue(agent) is { } named)
            {
                await cli.WarnIfAgentIsElsewhereAsync(ledger, named, ct);
            }

            var from = DurationText.TryParse(parse.GetValue(since)) is { } window ? DateTimeOffset.UtcNow - window : (DateTimeOffset?)null;
            var to = DurationText.TryParse(parse.GetValue(until)) is { } ago ? DateTimeOffset.UtcNow - ago : (DateTimeOffset?)null;
            var records = await ledger.ReadAuditAsync(
                new AuditQuery(parse.GetValue(agent), from, parse.GetValue(limit))
                {
                    Tool = parse.GetValue(tool), Outcome = parse.GetValue(outcome), Until = to, WithHashes = parse.GetValue(json),
                    WithPayloads = parse.GetValue(json) || parse.GetValue(csv),
                }, ct);
            // Thousands of lines: written to the terminal in one piece, not one write per line.
            var output = new StringWriter(CultureInfo.InvariantCulture);
            if (parse.GetValue(csv))
            {
                AuditCsv.Write(output, records);
            }
            else if (parse.GetValue(json))
            {
                foreach (var record in records)
                {
                    output.WriteLine(ToJson(record).ToJsonString());
                }
            }
            else
            {
                TextTable.Write(output, ["ID", "TIME (UTC)", "AGENT", "TOOL", "OUTCOME", "CODE", "AMOUNT", "OBJECT", "MS"],
                    records.Select(r => (IReadOnlyList<string>)
                    [
                        r.Id.ToString(CultureInfo.InvariantCulture), CliTime.Table(r.Time),
                        r.Agent, r.Tool, r.Outcome, r.Code ?? "", Amount(r), r.Object ?? "", r.DurationMs?.ToString(CultureInfo.InvariantCulture) ?? "",
                    ]));
            }

            await cli.Out.WriteAsync(output.GetStringBuilder(), ct);
            await cli.Out.FlushAsync(ct);

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The contract's JSON form of one record, plus <c>hash</c>: its latest audit chain event's hash.</summary>
    public static JsonObject ToJson(AuditRecord r)
    {
        var json = AuditRecordJson.Fields(r);
        json["hash"] = r.Hash;
        return json;
    }

    private static string Amount(AuditRecord r) =>
        r.Amount is { } minor && Currency.TryGet(r.Currency) is { } currency ? MoneyAmount.Format(minor, currency) : "";
}
