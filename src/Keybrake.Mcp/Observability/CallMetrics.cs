using System.Diagnostics.Metrics;

namespace Keybrake.Mcp.Observability;

/// <summary>The per-call instruments of the <c>Keybrake.Mcp</c> meter. With no listener each costs one <c>Enabled</c> check.</summary>
internal static class CallMetrics
{
    /// <summary>The MCP semantic conventions' buckets for operation durations, in seconds.</summary>
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60],
    };

    public static Counter<long> Calls { get; } = KeybrakeTelemetry.Meter.CreateCounter<long>(
        "keybrake.calls", "{call}", "Tool calls by tool, outcome (allowed, denied, failed, unknown) and refusal code.");

    public static Histogram<double> CallDuration { get; } = KeybrakeTelemetry.Meter.CreateHistogram(
        "keybrake.call.duration", "s", "How long a governed tool call took, checks, Stripe and ledger included.", advice: DurationBuckets);

    public static Histogram<double> StripeDuration { get; } = KeybrakeTelemetry.Meter.CreateHistogram(
        "keybrake.stripe.duration", "s", "How long Stripe took to answer one step of a call (resolve, execute, ...), its retries included.",
        advice: DurationBuckets);

    public static Counter<long> MoneyMoved { get; } = KeybrakeTelemetry.Meter.CreateCounter<long>(
        "keybrake.money.moved", "{minor_unit}", "Money Stripe moved, in the currency's minor units, by currency and role.");

    /// <summary>Whether anything listens to a per-call instrument.</summary>
    public static bool Enabled => Calls.Enabled || CallDuration.Enabled || MoneyMoved.Enabled;
}
