using Keybrake.Mcp.Governance.Rules;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 4, shadow: the shadow rate limits the early check found this call over, audited as <c>shadow_denied</c> once the
/// call is known to be the role's to make (not revoked, granted), so that refused calls leave no shadow rows.
/// </summary>
public sealed class ShadowRateLimitStep(ShadowRecorder shadows) : IGovernanceStep
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        foreach (var hit in call.ShadowRateHits)
        {
            await shadows.RecordAsync(call, RateLimitRule.Refusal(call.ToolName, call.Who.Role, hit), ct);
        }

        return null;
    }
}
