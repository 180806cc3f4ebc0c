using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp approvals list|approve|deny</c>: the human decision on calls above a tool's <c>approvalAbove</c>.</summary>
public static class ApprovalsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var all = new Option<bool>("--all") { Description = "Also decided, used and expired approvals." };
        var list = new Command("list", "Pending approvals (and approved ones not yet used).") { json, all };
        list.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var approvals = await (await StoreAsync(cli, ct)).ListAsync(parse.GetValue(all), ct);
            if (parse.GetValue(json))
            {
                foreach (var a in approvals)
                {
                    cli.Out.WriteLine(ToJson(a).ToJsonString());
                }
            }
            else if (approvals.Count == 0)
            {
                cli.Out.WriteLine("no approvals waiting");
            }
            else
            {
                TextTable.Write(cli.Out, ["ID", "AGENT", "TOOL", "AMOUNT", "STATUS", "EXPIRES (UTC)", "ARGUMENTS"], approvals.Select(a => (IReadOnlyList<string>)
                [
                    a.Id, a.Agent, a.Tool, a.Amount.ToString(), a.Status, Time(a.Expires), a.Arguments,
                ]));
            }

            return ExitCodes.Success;
        });

        return new Command("approvals", "Decide on calls held for approval.") { list, Decide(context, approve: true), Decide(context, approve: false) };
    }

    private static Command Decide(Func<ParseResult, CliContext> context, bool approve)
    {
        var id = new Argument<string>("ID") { Description = "The approval id (apr_...) from 'approvals list' or the agent's refusal." };
        var reason = new Option<string?>("--reason") { Description = "Why; shown to the agent and in the audit log." };
        var name = approve ? "approve" : "deny";
        var command = new Command(name, approve
            ? "Approve a held call: the agent's retry of the same call proceeds, once."
            : "Deny a held call: its hold is released and the agent's retry is refused.") { id };
        if (!approve)
        {
            command.Options.Add(reason);
        }

        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            var store = await StoreAsync(cli, ct);
            var approvalId = parse.GetValue(id)!;
            var pending = await store.GetAsync(approvalId, ct);
            var window = pending is null ? ApprovalSettings.DefaultExpiry : ApprovalSettings.ExpiryOf(manifests, pending.Role);
            var by = $"{(string.IsNullOrEmpty(Environment.UserName) ? "operator" : Environment.UserName)} (terminal)";
            var decided = await store.DecideAsync(approvalId, approve, by, approve ? null : parse.GetValue(reason), window, ct);
            if (decided is null)
            {
                cli.Error.WriteLine($"approvals {name}: no pending approval has id '{approvalId}'" + (pending is null ? "" : $" (it is {pending.Status})"));
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine(approve
                ? $"approved {decided.Id}: {decided.Agent}'s {decided.Tool} of {decided.Amount} may proceed once, until {Time(DateTimeOffset.UtcNow + window)}"
                : $"denied {decided.Id}: {decided.Agent}'s {decided.Tool} of {decided.Amount}; the hold is released");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<SqlApprovals> StoreAsync(CliContext cli, CancellationToken ct) => new(await cli.OpenDatabaseAsync(ct), TimeProvider.System);

    private static JsonObject ToJson(ApprovalRecord a) => new()
    {
        ["id"] = a.Id, ["agent"] = a.Agent, ["role"] = a.Role, ["tool"] = a.Tool, ["amount"] = a.Amount.Minor,
        ["currency"] = a.Amount.Currency.Code.ToLowerInvariant(), ["status"] = a.Status, ["created"] = Time(a.Created), ["expires"] = Time(a.Expires),
        ["decided_by"] = a.DecidedBy, ["reason"] = a.Reason, ["used_by_call"] = a.UsedByCall, ["arguments"] = JsonNode.Parse(a.Arguments),
    };

    private static string Time(DateTimeOffset time) => CliTime.Iso(time);
}
