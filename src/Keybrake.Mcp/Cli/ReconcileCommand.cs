using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Cli;

/// <summary>
/// <c>keybrake-mcp reconcile</c>: settles calls whose outcome is unknown through Stripe's idempotency (the very request,
/// sent again with its key, is answered with its first outcome), and by evidence once Stripe no longer keeps the key.
/// Exit 1 when a call could not be settled yet.
/// </summary>
public static class ReconcileCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var olderThan = new Option<string?>("--older-than") { Description = "Only calls started at least this long ago (default 2m: younger ones may still be in flight)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var command = new Command("reconcile",
            "Settle calls whose outcome is unknown: each request is sent again with its idempotency key, which Stripe answers with " +
            "its first outcome (or does now, once, if it never arrived; 409 while it still runs). Exit 1 if a call stays unknown.") { olderThan, json };
        command.Validators.Add(result =>
        {
            if (result.GetValue(olderThan) is { } text && DurationText.TryParse(text) is null)
            {
                result.AddError($"--older-than: '{text}' is not a duration such as 0s, 30s, 2m or 1h");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            (await cli.OpenDatabaseAsync(ct)).Dispose();
            await using var services = new ServiceCollection()
                .AddLogging(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
                .AddKeybrake(manifests, new KeybrakeOptions(cli.Ledger, StripeConnection.FromEnvironment(cli.Environment), cli.Environment))
                .BuildServiceProvider();
            var reconciler = services.GetRequiredService<Reconciler>();
            var grace = DurationText.TryParse(parse.GetValue(olderThan)) ?? reconciler.Grace;
            var reports = await reconciler.ReconcileAllAsync(null, grace, ct);
            if (parse.GetValue(json))
            {
                foreach (var r in reports)
                {
                    cli.Out.WriteLine(new JsonObject
                    {
                        ["call_id"] = r.Call.CallId, ["agent"] = r.Call.Agent, ["tool"] = r.Call.Tool, ["object"] = r.Call.Object,
                        ["outcome"] = r.Result, ["detail"] = r.Detail,
                    }.ToJsonString());
                }
            }
            else if (reports.Count == 0)
            {
                var younger = (await services.GetRequiredService<Ledger.ILedger>().ReadUnknownAsync(null, DateTimeOffset.MaxValue, ct)).Count;
                cli.Out.WriteLine(younger == 0
                    ? "nothing to reconcile"
                    : $"nothing to reconcile yet: {younger} call(s) with an unknown outcome started less than {grace.TotalSeconds:0} s ago " +
                      "and may still be in flight; run 'keybrake-mcp reconcile --older-than 0s' to settle them now");
            }
            else
            {
                TextTable.Write(cli.Out, ["CALL", "AGENT", "TOOL", "OBJECT", "OUTCOME", "DETAIL"],
                    reports.Select(r => (IReadOnlyList<string>)[r.Call.CallId, r.Call.Agent, r.Call.Tool, r.Call.Object ?? "", r.Result, r.Detail]));
            }

            var unsettled = reports.Count(r => r.Result == "unknown");
            if (unsettled > 0)
            {
                cli.Error.WriteLine($"reconcile: {unsettled} call(s) could not be settled yet; their money stays held (run it again later)");
                return ExitCodes.CheckFailed;
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
