using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Calls counted in usage buckets against rate limits: the check (a sum per limit) and the count (one upsert per scope).
/// Run in a read or inside the ledger's write transaction.
/// </summary>
internal static class RateCounts
{
    public static readonly RateCheck None = new(null, []);

    /// <summary>The names a transaction locks to count a call exactly against these limits (<see cref="LedgerDialect.LockAsync"/>).</summary>
    public static IEnumerable<string> LockNames(CallIdentity who, IReadOnlyList<RateLimit> limits) =>
        limits.Select(l => $"rate:{UsageBuckets.Scope(l.Per, who)}").Distinct();

    /// <summary>The first enforced limit one more call would exceed, with every shadow limit it would exceed before it.</summary>
    public static async Task<RateCheck> CheckAsync(LedgerSession s, CallIdentity who, IReadOnlyList<RateLimit> limits, long now)
    {
        var shadowHits = new List<RateLimitHit>();
        foreach (var limit in limits.OrderBy(l => l.Shadow))
        {
            var scope = UsageBuckets.Scope(limit.Per, who);
            var used = await UsageBuckets.SumAsync(s, scope, UsageBuckets.Calls, "", limit.Window, now);
            if (used < limit.Calls)
            {
                continue;
            }

            // A slot frees when the oldest bucket that still counts leaves the window.
            var oldest = await UsageBuckets.OldestAsync(s, scope, UsageBuckets.Calls, limit.Window, now) ?? now;
            var retryAfter = limit.Window.Length() is { } length
                ? TimeSpan.FromMilliseconds(Math.Max(1, oldest + UsageBuckets.BucketLength(limit.Window) + (long)length.TotalMilliseconds - now))
                : TimeSpan.MaxValue;
            var hit = new RateLimitHit(limit, (int)Math.Min(int.MaxValue, used), retryAfter);
            if (!limit.Shadow)
            {
                return new RateCheck(hit, shadowHits);
            }

            shadowHits.Add(hit);
        }

        return new RateCheck(null, shadowHits);
    }

    /// <summary>Counts one call in every series the limits are kept in.</summary>
    public static async Task CountAsync(LedgerSession s, CallIdentity who, IReadOnlyList<RateLimit> limits, long now)
    {
        foreach (var group in limits.GroupBy(l => UsageBuckets.Scope(l.Per, who)))
        {
            var mask = group.Aggregate(0, (m, l) => m | 1 << UsageBuckets.SeriesOf(l.Window));
            await UsageBuckets.AddAsync(s, group.Key, UsageBuckets.Calls, "", mask, now, 1);
        }

        // Old buckets can never count again; clearing them now and then keeps the table small without a job.
        if (Random.Shared.Next(256) == 0)
        {
            await UsageBuckets.PruneAsync(s, now);
        }
    }
}
