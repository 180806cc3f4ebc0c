using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp spend</c>: each budget's limit, used (settled), held (in flight or unknown) and remaining.</summary>
public static class SpendCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var agent = new Option<string?>("--agent") { Description = "Only the budgets that cover this agent." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var command = new Command("spend", "Show every budget: limit, used, held and remaining, per agent / role, currency and window.") { agent, json };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            var only = parse.GetValue(agent);
            IEnumerable<RoleManifest> roles = manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal);
            if (only is not null)
            {
                if (manifests.RoleOf(only) is not { } role)
                {
                    cli.Error.WriteLine($"spend: agent '{only}' is not listed in any manifest");
                    return ExitCodes.CheckFailed;
                }

                roles = [role];
            }

            var ledger = await cli.OpenLedgerAsync(ct);
            if (only is not null)
            {
                await cli.WarnIfAgentIsElsewhereAsync(ledger, only, ct);
            }

            var usage = new List<BudgetUsage>();
            foreach (var role in roles)
            {
                usage.AddRange((await ledger.ReadUsageAsync(role, ct)).Where(u => only is null || u.Agent is null || u.Agent == only));
            }

            if (parse.GetValue(json))
            {
                foreach (var u in usage)
                {
                    cli.Out.WriteLine(new JsonObject
                    {
                        ["role"] = u.Role,
                        ["agent"] = u.Agent,
                        ["per"] = u.Budget.Per.ToString().ToLowerInvariant(),
                        ["window"] = u.Budget.Window.Name(),
                        ["currency"] = u.Budget.Limit.Currency.Code.ToLowerInvariant(),
                        ["limit"] = u.Budget.Limit.Minor,
                        ["used"] = u.SettledMinor,
                        ["held"] = u.HeldMinor,
                        ["remaining"] = u.RemainingMinor,
                    }.ToJsonString());
                }

                return ExitCodes.Success;
            }

            TextTable.Write(cli.Out, ["ROLE", "AGENT", "WINDOW", "USED / LIMIT", "HELD", "REMAINING", "USE"], usage.Select(u =>
            {
                var currency = u.Budget.Limit.Currency;
                return (IReadOnlyList<string>)
                [
                    u.Role, u.Agent ?? "(whole role)", u.Budget.Window.Name() + (u.Budget.Shadow ? " (shadow)" : ""),
                    $"{MoneyAmount.FormatNumber(u.SettledMinor, currency)} / {u.Budget.Limit}",
                    MoneyAmount.Format(u.HeldMinor, currency), MoneyAmount.Format(u.RemainingMinor, currency), Bar(u.UsedMinor, u.Budget.Limit.Minor),
                ];
            }));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A ten-step bar and the percentage used, held money included; integers only.</summary>
    internal static string Bar(long used, long limit)
    {
        var percent = limit <= 0 ? 100 : (int)Math.Min(999, used * 100 / limit);
        var filled = Math.Min(10, (percent + 5) / 10);
        return $"[{new string('#', filled)}{new string('.', 10 - filled)}] {percent,3}%";
    }
}
