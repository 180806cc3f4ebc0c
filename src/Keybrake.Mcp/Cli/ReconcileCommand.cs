using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp reconcile</c>: settles calls whose outcome is unknown by asking Stripe what became of them.</summary>
public static class ReconcileCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var olderThan = new Option<string?>("--older-than") { Description = "Only calls started at least this long ago (default 2m: younger ones may still be in flight)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var command = new Command("reconcile", "Settle calls whose outcome is unknown by asking Stripe (never by sending them again).") { olderThan, json };
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

            await cli.OpenDatabaseAsync(ct);
            await using var services = new ServiceCollection()
                .AddLogging(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
                .AddKeybrake(manifests, new KeybrakeOptions(cli.DatabasePath, StripeConnection.FromEnvironment(cli.Environment), cli.Environment))
                .BuildServiceProvider();
            var grace = DurationText.TryParse(parse.GetValue(olderThan));
            var reports = await services.GetRequiredService<Reconciler>().ReconcileAllAsync(null, grace, ct);
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
                cli.Out.WriteLine("nothing to reconcile");
            }
            else
            {
                TextTable.Write(cli.Out, ["CALL", "AGENT", "TOOL", "OBJECT", "OUTCOME", "DETAIL"],
                    reports.Select(r => (IReadOnlyList<string>)[r.Call.CallId, r.Call.Agent, r.Call.Tool, r.Call.Object ?? "", r.Result, r.Detail]));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
