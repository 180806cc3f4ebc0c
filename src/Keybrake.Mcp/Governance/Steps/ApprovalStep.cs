namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 6, approval: a call moving more than the tool's <c>approvalAbove</c> waits for a decision bound to this very
/// request (<see cref="ApprovalGate"/>); an approved one goes ahead on the hold its approval keeps.
/// </summary>
public sealed class ApprovalStep(ApprovalGate approvals) : IShadowableStep
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        // A shadow grant never opens an approval, whatever list this step is put in (ShadowMode asks WouldRefuse instead).
        if (call.Grant!.Shadow || call.Request is not { } request || !ApprovalGate.Applies(call.Operation!, call.Grant, call.Resolved!))
        {
            return null;
        }

        var (approvalId, waiting) = await approvals.PassAsync(call.Who, call.Role!, call.ToolName, call.Resolved!, request, call.ArgumentsJson, call.Prompt, ct);
        call.ApprovalId = approvalId;
        return waiting;
    }

    /// <summary>In shadow mode no approval is opened: only that one would have been asked for.</summary>
    public Denial? WouldRefuse(ToolCall call)
    {
        var resolved = call.Resolved!;
        return ApprovalGate.Applies(call.Operation!, call.Grant!, resolved)
            ? new Denial(DenialCodes.ApprovalRequired, $"{resolved.Action} of {resolved.Moves} is above {call.ToolName}'s approval threshold of {call.Grant!.ApprovalAbove}")
            : null;
    }
}
