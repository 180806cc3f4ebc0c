using Dapper;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Usage kept in time buckets per scope (<c>agent:NAME</c> / <c>role:NAME</c>): a rolling window's usage is the sum of
/// the buckets that overlap it. A bucket straddling the window's start counts whole, so usage leaves a window up to
/// one bucket late: limits can refuse a little early, never let anything through late.
/// </summary>
internal static class UsageBuckets
{
    public const string Spend = "spend";
    public const string Calls = "calls";

    /// <summary>The bucket series, by index: 1 s, 1 min, 1 h, 1 day, and one all-time bucket.</summary>
    private static readonly long[] Granularities = [1_000, 60_000, 3_600_000, 86_400_000, 0];

    /// <summary>The series a window is counted in: at most ~60 buckets per window.</summary>
    public static int SeriesOf(RollingWindow window) => window switch
    {
        RollingWindow.Minute => 0,
        RollingWindow.Hour => 1,
        RollingWindow.Day => 2,
        RollingWindow.Week or RollingWindow.Month => 3,
        _ => 4,
    };

    public static string Scope(LimitScope per, CallIdentity who) => per == LimitScope.Agent ? $"agent:{who.Agent}" : $"role:{who.Role}";

    /// <summary>Usage of one window at <paramref name="nowMs"/>.</summary>
    public static Task<long> SumAsync(LedgerSession s, string scope, string kind, string currency, RollingWindow window, long nowMs)
    {
        var granularity = Granularities[SeriesOf(window)];
        var from = WindowFrom(window, granularity, nowMs);
        // SUM of a bigint is a numeric in PostgreSQL: cast back to the integer it is.
        return s.Connection.ExecuteScalarAsync<long>(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = @currency " +
            "AND granularity_ms = @granularity AND bucket_ms > @from",
            new { scope, kind, currency, granularity, from }, s.Transaction);
    }

    /// <summary>The start of the oldest non-empty bucket of a window, for "retry after".</summary>
    public static Task<long?> OldestAsync(LedgerSession s, string scope, string kind, RollingWindow window, long nowMs)
    {
        var granularity = Granularities[SeriesOf(window)];
        var from = WindowFrom(window, granularity, nowMs);
        return s.Connection.ExecuteScalarAsync<long?>(
            "SELECT MIN(bucket_ms) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = '' AND granularity_ms = @granularity " +
            "AND bucket_ms > @from AND amount > 0",
            new { scope, kind, granularity, from }, s.Transaction);
    }

    private static long WindowFrom(RollingWindow window, long granularity, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds - granularity : long.MinValue;

    /// <summary>How long a window's oldest bucket stays in it.</summary>
    public static long BucketLength(RollingWindow window) => Granularities[SeriesOf(window)];

    /// <summary>Adds <paramref name="delta"/> at <paramref name="at"/> to every series in <paramref name="mask"/>, in one statement.</summary>
    public static Task AddAsync(LedgerSession s, string scope, string kind, string currency, int mask, long at, long delta) =>
        s.Connection.ExecuteAsync(
            "WITH g(i, ms) AS (VALUES (0, 1000), (1, 60000), (2, 3600000), (3, 86400000), (4, 0)) " +
            "INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount) " +
            "SELECT @scope, @kind, @currency, g.ms, CASE WHEN g.ms = 0 THEN 0 ELSE @at / g.ms * g.ms END, @delta FROM g WHERE (@mask >> g.i) & 1 = 1 " +
            "ON CONFLICT (scope, kind, currency, granularity_ms, bucket_ms) DO UPDATE SET amount = usage_bucket.amount + excluded.amount",
            new { scope, kind, currency, at, delta, mask }, s.Transaction);

    /// <summary>Drops buckets that no window can reach any more (every series is kept a little over its longest window).</summary>
    public static Task PruneAsync(LedgerSession s, long nowMs) =>
        s.Connection.ExecuteAsync(
            "DELETE FROM usage_bucket WHERE (granularity_ms = 1000 AND bucket_ms < @minute) OR (granularity_ms = 60000 AND bucket_ms < @hour) " +
            "OR (granularity_ms IN (3600000, 86400000) AND bucket_ms < @month)",
            new { minute = nowMs - 180_000, hour = nowMs - 3 * 3_600_000, month = nowMs - 32L * 86_400_000 }, s.Transaction);
}
