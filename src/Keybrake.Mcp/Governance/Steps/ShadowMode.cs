namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Shadow mode around a step: for a grant marked <c>"shadow": true</c> the call goes on, and what the step would have
/// refused is audited (<c>allowed</c>, code <c>shadow_denied</c>) so operators can tune a rule before enforcing it. Other
/// grants get the step as it is. Shadow budgets and rate limits are marked one by one instead (each limit has its own
/// <c>shadow</c>), so the ledger, which checks them, says which it only shadowed.
/// </summary>
public sealed class ShadowMode(IShadowableStep step, ShadowRecorder shadows) : IGovernanceStep
{
    /// <summary>The wrapped step's: it is the one that refuses.</summary>
    public string Name => step.Name;

    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        if (!call.Grant!.Shadow)
        {
            return await step.CheckAsync(call, ct);
        }

        if (step.WouldRefuse(call) is { } wouldHave)
        {
            await shadows.RecordAsync(call, wouldHave, ct);
        }

        return null;
    }
}
