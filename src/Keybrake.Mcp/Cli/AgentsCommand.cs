using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp agents</c>: every agent of every manifest with its role, status, last call and last 24 h of spend.</summary>
public static class AgentsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var command = new Command("agents", "List every agent: role, active or revoked, last call, and money moved or held in the last 24 h.") { json };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            var ledger = await cli.OpenLedgerAsync(ct);
            var activity = (await ledger.ReadAgentActivityAsync(DateTimeOffset.UtcNow.AddDays(-1), ct)).ToDictionary(a => a.Agent);
            var rows = new List<(string Agent, string Role, Revocation? Revoked, AgentActivity? Activity)>();
            foreach (var role in manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal))
            {
                foreach (var agent in role.Agents.Order(StringComparer.Ordinal))
                {
                    rows.Add((agent, role.Role, await ledger.FindRevocationAsync(new CallIdentity(agent, role.Role), ct), activity.GetValueOrDefault(agent)));
                }
            }

            if (parse.GetValue(json))
            {
                foreach (var (agent, role, revoked, seen) in rows)
                {
                    var today = new JsonObject();
                    foreach (var (currency, minor) in seen?.SpendByCurrency ?? new Dictionary<string, long>())
                    {
                        today[currency.ToLowerInvariant()] = minor;
                    }

                    cli.Out.WriteLine(new JsonObject
                    {
                        ["agent"] = agent, ["role"] = role, ["status"] = revoked is null ? "active" : "revoked",
                        ["revoked_by_scope"] = revoked?.Scope, ["revoked_reason"] = revoked?.Reason,
                        ["last_call"] = seen?.LastCall is { } at ? Time(at) : null, ["spend_24h"] = today,
                    }.ToJsonString());
                }

                return ExitCodes.Success;
            }

            TextTable.Write(cli.Out, ["AGENT", "ROLE", "STATUS", "LAST CALL (UTC)", "LAST 24 H"], rows.Select(r => (IReadOnlyList<string>)
            [
                r.Agent, r.Role,
                r.Revoked is null ? "active" : $"revoked ({r.Revoked.Scope}{(r.Revoked.Reason is null ? "" : $": {r.Revoked.Reason}")})",
                r.Activity?.LastCall is { } at ? Time(at) : "never",
                r.Activity is { SpendByCurrency.Count: > 0 } a
                    ? string.Join(", ", a.SpendByCurrency.Select(p => MoneyAmount.Format(p.Value, Currency.Get(p.Key))))
                    : "-",
            ]));
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Time(DateTimeOffset time) => CliTime.Table(time);
}
