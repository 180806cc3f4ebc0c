using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.AspNetCore.Http;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>What operators do from the console: each is the same ledger operation as its CLI command, and is recorded with the operator's name.</summary>
public sealed class ConsoleActions(ManifestSource manifests, ILedger ledger, IApprovalStore approvals, OperatorActions actions, ChainStatus chain, ConsoleSession session)
{
    private const int MaxReason = 200;

    /// <summary>How an action ended: 303 back to a page with a one-line notice, or a refusal with its status.</summary>
    public sealed record Done(int Status, string Message, string Back = "/")
    {
        public static Done Ok(string message, string back) => new(StatusCodes.Status303SeeOther, message, back);

        public static Done Refused(string message) => new(StatusCodes.Status400BadRequest, message);
    }

    public async Task<Done> RevokeAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form)
    {
        var agent = form["agent"].ToString();
        if (manifests.Current.RoleOf(agent) is null)
        {
            return Done.Refused($"agent '{agent}' is not listed in any manifest; nothing was revoked");
        }

        var reason = Reason(form);
        await ledger.RevokeAsync(RevocationScopes.Agent(agent), reason, context.RequestAborted);
        await actions.RecordAsync(who.Name, "revoke", RevocationScopes.Agent(agent), reason, context.RequestAborted);
        return Done.Ok($"revoked agent '{agent}': its next call, on every server of this ledger, is refused", "/");
    }

    public async Task<Done> ReinstateAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form)
    {
        var scope = form["scope"].ToString();
        if (!IsKnownScope(scope))
        {
            return Done.Refused($"'{scope}' names no agent or role of the manifests; nothing was reinstated");
        }

        if (!await ledger.ReinstateAsync(scope, context.RequestAborted))
        {
            return Done.Refused($"{scope} was not revoked; nothing changed");
        }

        await actions.RecordAsync(who.Name, scope == RevocationScopes.All ? "kill_switch_lifted" : "reinstate", scope, null, context.RequestAborted);
        return Done.Ok(scope == RevocationScopes.All ? "kill switch lifted: agents' calls are governed as usual again" : $"reinstated {scope}", "/");
    }

    public async Task<Done> KillSwitchAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form)
    {
        if (form["confirm"].ToString().Trim() != AgentsPage.KillSwitchConfirmation)
        {
            return Done.Refused($"the kill switch needs '{AgentsPage.KillSwitchConfirmation}' typed into its confirmation field; nothing was revoked");
        }

        var reason = Reason(form);
        await ledger.RevokeAsync(RevocationScopes.All, reason, context.RequestAborted);
        await actions.RecordAsync(who.Name, "kill_switch", RevocationScopes.All, reason, context.RequestAborted);
        return Done.Ok("kill switch on: every agent's next call is refused", "/");
    }

    public async Task<Done> DecideAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form, bool approve)
    {
        var id = form["id"].ToString();
        var reason = approve ? null : Reason(form);
        var known = await approvals.GetAsync(id, context.RequestAborted);
        var window = known is null ? ApprovalSettings.DefaultExpiry : ApprovalSettings.ExpiryOf(manifests.Current, known.Role);
        var decided = await approvals.DecideAsync(id, approve, $"{who.Name} (console)", reason, window, context.RequestAborted);
        if (decided is null)
        {
            return Done.Refused($"no pending approval has id '{id}'{(known is null ? "" : $" (it is {known.Status})")}; nothing changed");
        }

        await actions.RecordAsync(who.Name, approve ? "approve" : "deny", id,
            $"{decided.Agent} {decided.Tool} {decided.Amount}{(reason is null ? "" : $": {reason}")}", context.RequestAborted);
        return Done.Ok(approve
            ? $"approved {id}: {decided.Agent}'s {decided.Tool} of {decided.Amount} may proceed once, within {(int)window.TotalMinutes} min"
            : $"denied {id}: {decided.Agent}'s {decided.Tool} of {decided.Amount}; the hold is released", "/approvals");
    }

    public async Task<Done> VerifyChainAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form)
    {
        var (report, _) = await chain.VerifyAsync(context.RequestAborted);
        await actions.RecordAsync(who.Name, "verify_chain", null, report.ToString(), context.RequestAborted);
        return Done.Ok(report.Ok ? $"audit chain verified: {report.Records} record(s)" : $"audit chain broken: {report.Break}", "/audit");
    }

    public async Task<Done> SignOutAsync(HttpContext context, ConsoleSession.Operator who, IFormCollection form)
    {
        await session.SignOutAsync(context, who);
        await actions.RecordAsync(who.Name, "sign_out", null, null, context.RequestAborted);
        return Done.Ok("signed out", "/sign-in");
    }

    private bool IsKnownScope(string scope) =>
        scope == RevocationScopes.All
        || (scope.StartsWith("agent:", StringComparison.Ordinal) && manifests.Current.RoleOf(scope["agent:".Length..]) is not null)
        || (scope.StartsWith("role:", StringComparison.Ordinal) && manifests.Current.Roles.ContainsKey(scope["role:".Length..]));

    private static string? Reason(IFormCollection form) =>
        form["reason"].ToString().Trim() is { Length: > 0 } reason ? reason[..Math.Min(MaxReason, reason.Length)] : null;
}
