using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Rules;

/// <summary>The refusal for a rate limit a call hit (step 4), with the numbers and when to retry.</summary>
public static class RateLimitRule
{
    public static Denial Refusal(string toolName, string role, RateLimitHit hit)
    {
        var seconds = (long)Math.Ceiling(hit.RetryAfter == TimeSpan.MaxValue ? 0 : hit.RetryAfter.TotalSeconds);
        var whose = hit.Limit.Per == LimitScope.Agent ? "agent" : $"role '{role}'";
        return new Denial(DenialCodes.RateLimited,
                $"{toolName} refused: the {whose} made {hit.Used} calls in the last {hit.Limit.Window.Name()} (limit {hit.Limit.Calls}); retry after {seconds} s")
            .With("retry_after_seconds", seconds);
    }
}
