using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 4, early: the role's rate limits, read before anything else is looked at (the arguments, Stripe), so that a flood
/// of calls bound to be refused is limited like any other and costs Stripe nothing. Not counted here: the call is counted
/// by its next write, its refusal or its start, which checks again exactly (one transaction fewer per call).
/// </summary>
public sealed class EarlyRateLimitStep(ILedger ledger) : IEarlyCheck
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        var limits = call.Role!.RateLimits;
        var rate = await ledger.CheckRateAsync(call.Who, limits, ct);
        if (rate.Hit is { } hit)
        {
            return RateLimitRule.Refusal(call.ToolName, call.Who.Role, hit);
        }

        // Shadow limits are marked one by one (not by a grant), so the ledger's answer says which were only shadowed;
        // they are recorded once the call is known to be one the role may make (ShadowRateLimitStep).
        call.ShadowRateHits = rate.ShadowHits;
        call.CountsAgainst = limits;
        return null;
    }
}
