using System.Diagnostics;

namespace Keybrake.Mcp.Observability;

/// <summary>Times one step of a call at Stripe (its retries included): a client span and <c>keybrake.stripe.duration</c>.</summary>
public static class StripeTelemetry
{
    /// <summary>Whether anyone listens to Stripe's spans or timings: when not, a Stripe request goes untimed, at no cost.</summary>
    public static bool Enabled => KeybrakeTelemetry.Source.HasListeners() || CallMetrics.StripeDuration.Enabled;

    /// <summary>A span <c>stripe {operation}</c> under the call's span, or null when nobody listens.</summary>
    public static Activity? Start(string tool, string operation)
    {
        if (!KeybrakeTelemetry.Source.HasListeners())
        {
            return null;
        }

        var span = KeybrakeTelemetry.Source.StartActivity($"stripe {operation}", ActivityKind.Client);
        span?.SetTag("gen_ai.tool.name", tool);
        span?.SetTag("keybrake.stripe.operation", operation);
        return span;
    }

    /// <summary>The timestamp to pass to <see cref="Stop"/>, or 0 when the histogram has no listener.</summary>
    public static long Started() => CallMetrics.StripeDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Stop(long started, string tool, string operation)
    {
        if (started != 0)
        {
            CallMetrics.StripeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("tool", tool), new KeyValuePair<string, object?>("operation", operation));
        }
    }
}
