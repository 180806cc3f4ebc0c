using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Calls counted in usage buckets against rate limits: the check (a sum per limit) and the count (one upsert per scope).
/// Run on a kept reader or inside the ledger writer's transaction, so they take no transaction object.
/// </summary>
internal static class RateCounts
{
    public static readonly RateCheck None = new(null, []);

    /// <summary>The first enforced limit one more call would exceed, with every shadow limit it would exceed before it.</summary>
    public static RateCheck Check(SqliteConnection connection, CallIdentity who, IReadOnlyList<RateLimit> limits, long now)
    {
        var shadowHits = new List<RateLimitHit>();
        foreach (var limit in limits.OrderBy(l => l.Shadow))
        {
            var scope = UsageBuckets.Scope(limit.Per, who);
            var used = UsageBuckets.Sum(connection, scope, UsageBuckets.Calls, "", limit.Window, now);
            if (used < limit.Calls)
            {
                continue;
            }

            // A slot frees when the oldest bucket that still counts leaves the window.
            var oldest = UsageBuckets.Oldest(connection, scope, UsageBuckets.Calls, limit.Window, now) ?? now;
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
    public static void Count(SqliteConnection connection, CallIdentity who, IReadOnlyList<RateLimit> limits, long now)
    {
        foreach (var group in limits.GroupBy(l => UsageBuckets.Scope(l.Per, who)))
        {
            var mask = group.Aggregate(0, (m, l) => m | 1 << UsageBuckets.SeriesOf(l.Window));
            UsageBuckets.Add(connection, group.Key, UsageBuckets.Calls, "", mask, now, 1);
        }

        // Old buckets can never count again; clearing them now and then keeps the table small without a job.
        if (Random.Shared.Next(256) == 0)
        {
            UsageBuckets.Prune(connection, now);
        }
    }
}
