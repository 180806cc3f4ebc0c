using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>A rate limit that refused a call and when it frees up.</summary>
public sealed record RateLimitHit(RateLimit Limit, int Used, TimeSpan RetryAfter);

/// <summary>The enforced rate limit a call hit (then it was not counted), and the shadow limits it went over.</summary>
public sealed record RateCheck(RateLimitHit? Hit, IReadOnlyList<RateLimitHit> ShadowHits);
