using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// The approvals of step 6: a call moving more than the tool's <c>approvalAbove</c> waits for a decision bound to its agent, tool and
/// arguments. The first attempt holds the money and asks (the client, where the role says so and it can answer, else
/// an operator); a retry of the same call after approval uses that hold, once.
/// </summary>
public sealed class ApprovalGate(IApprovalStore store)
{
    /// <summary>Whether this call needs an approval at all: it moves more than the grant's threshold, in its currency.</summary>
    public static bool Applies(IToolOperation operation, ToolGrant grant, Resolution resolved) =>
        operation.Effect == ToolEffect.MovesMoney
        && grant.ApprovalAbove is { } threshold && resolved.Moves is { } moves
        && moves.Currency == threshold.Currency && moves.Minor > threshold.Minor;

    /// <summary>Whether a live approval (pending, approved or denied) exists for this request: its answer comes from the gate.</summary>
    public async Task<bool> HasLiveApprovalAsync(RequestIdentity request, CancellationToken ct) => await store.FindAsync(request.Fingerprint, ct) is not null;

    /// <summary>The approval the call may proceed on, or the refusal to answer with.</summary>
    public async Task<(string? ApprovalId, Denial? Denial)> PassAsync(
        CallIdentity who, RoleManifest role, string tool, Resolution resolved, RequestIdentity request, string arguments, IApprovalPrompt? prompt, CancellationToken ct)
    {
        var moves = resolved.Moves!.Value;
        var threshold = role.Tools[tool].ApprovalAbove!.Value;
        switch (await store.FindAsync(request.Fingerprint, ct))
        {
            case { Status: ApprovalStatus.Approved } approved when approved.Amount.Minor >= moves.Minor:
                return (approved.Id, null);
            case { Status: ApprovalStatus.Pending } pending:
                return (null, Required(pending, resolved, threshold, tool));
            case { Status: ApprovalStatus.Denied } denied:
                return (null, new Denial(DenialCodes.NotAllowed,
                    $"the {resolved.Action} of {moves} was denied by {denied.DecidedBy} (approval {denied.Id}){(denied.Reason is null ? "" : $": {denied.Reason}")}; do not retry it")
                    .With("approval_id", denied.Id));
        }

        var window = role.Approvals.ExpiresAfter ?? ApprovalSettings.DefaultExpiry;
        var asked = await store.RequestAsync(new CallIdentity(who.Agent, who.Role), tool, request.Fingerprint, arguments, moves, role.Budgets, window,
            new ApprovalSubject(resolved.Object, resolved.Customer), ct);
        if (asked is ApprovalRequestResult.OverBudget over)
        {
            return (null, AmountRules.OverBudget(resolved, over.Usage));
        }

        var approval = ((ApprovalRequestResult.Created)asked).Approval;
        if (role.Approvals.Via == ApprovalChannel.Client && prompt is not null)
        {
            var message = $"Agent '{who.Agent}' asks to make a {resolved.Action} of {moves} with {tool} on {resolved.Describes ?? resolved.Object}. " +
                          $"That is above the approval threshold of {threshold}. Approve it?";
            if (await prompt.ConfirmAsync(message, ct) is { } yes)
            {
                await store.DecideAsync(approval.Id, yes, $"client:{prompt.ClientName}", yes ? null : "declined in the client", window, ct);
                return yes
                    ? (approval.Id, null)
                    : (null, new Denial(DenialCodes.NotAllowed, $"the {resolved.Action} of {moves} was declined in the client (approval {approval.Id})").With("approval_id", approval.Id));
            }
        }

        return (null, Required(approval, resolved, threshold, tool));
    }

    private static Denial Required(ApprovalRecord approval, Resolution resolved, MoneyAmount threshold, string tool) =>
        new Denial(DenialCodes.ApprovalRequired,
                $"{resolved.Action} of {approval.Amount} is above {tool}'s approval threshold of {threshold}: approval {approval.Id} is pending. " +
                $"An operator approves it with 'keybrake-mcp approvals approve {approval.Id}'; then retry this same call (same arguments and request_id). " +
                $"It expires at {approval.Expires:yyyy-MM-ddTHH:mm:ssZ}; the money stays held until then.")
            .With("approval_id", approval.Id)
            .With("amount", approval.Amount.Minor)
            .With("currency", approval.Amount.Currency.Code)
            .With("threshold", threshold.Minor)
            .With("expires_at", approval.Expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
}
