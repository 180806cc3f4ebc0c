using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Observability;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// OpenTelemetry off against on, in-process, 16 callers: refused calls (revoked) and allowed governed refunds (in-process
/// Stripe). "Off" is the shipped default (no provider, no listener); "on" is what <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> builds
/// (our source and meter and the MCP SDK's, batch span processor, periodic metric reader every second) with exporters
/// that drop the batches, so the cost measured is ours and the SDK's, not a network's. Each call runs inside an MCP SDK
/// span, as it does under the SDK when a listener exists. Rounds alternate off and on. <c>KEYBRAKE_BENCH_OTEL=traces</c>,
/// <c>metrics</c> or <c>counters</c> (metrics without the histograms) turns on a part only, to see what costs what.
/// </summary>
public static class TelemetryScenario
{
    // The SDK's source name: listeners match sources by name, so this stands for its per-call span.
    private static readonly ActivitySource McpSdk = new(KeybrakeTelemetry.McpSdkName);

    public static async Task RunAsync(double seconds, int rounds)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "telemetry", stripeHandler: stripe.Handler);
        await world.Ledger.RevokeAsync("role:gone", "bench", CancellationToken.None);
        var cases = new (string Name, Func<int, Task> Call)[]
        {
            ("refused: revoked", c => Traced(() => BenchWorld.Expect(world.Pipeline.RunAsync($"gone-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None),
                error: true, DenialCodes.Revoked))),
            ("allowed governed refunds, in-process Stripe", c => Traced(() => BenchWorld.Expect(world.Pipeline.RunAsync($"bench-{c}", "issue_refund",
                BenchWorld.Refund(), CancellationToken.None), error: false))),
        };

        var results = new Dictionary<(int Case, bool On), (List<double> Rates, List<double> Cpus)>();
        foreach (var on in new[] { false, true })
        {
            using var providers = on ? Providers.Start() : null;
            foreach (var c in cases)
            {
                await ThroughputScenario.Measure(c.Call, Math.Min(2, seconds));
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var on in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                using var providers = on ? Providers.Start() : null;
                for (var k = 0; k < cases.Length; k++)
                {
                    var (rate, cpu, _) = await ThroughputScenario.Measure(cases[k].Call, seconds);
                    if (!results.TryGetValue((k, on), out var r))
                    {
                        results[(k, on)] = r = ([], []);
                    }

                    r.Rates.Add(rate);
                    r.Cpus.Add(cpu);
                }
            }
        }

        var table = new Table($"telemetry: OpenTelemetry off vs on, {BenchWorld.Callers} callers in-process ({rounds} rounds x {seconds:0.#} s each way, alternating; median of rounds)");
        for (var k = 0; k < cases.Length; k++)
        {
            var off = results[(k, false)];
            var on = results[(k, true)];
            var offRate = Stats.Median(off.Rates);
            foreach (var (label, r) in new[] { ("off (default)", off), ("on (OTLP pipeline, exporter drops)", on) })
            {
                table.Add($"{cases[k].Name}, telemetry {label} [calls/s (CPU per call)]",
                    $"{Stats.Median(r.Rates):N0}/s ({Stats.F(Stats.Median(r.Cpus), 0)} us CPU)", "-", $"{Stats.Median(r.Rates) / offRate:F2}x");
            }
        }

        table.Print();
    }

    private static async Task Traced(Func<Task> call)
    {
        // As the SDK does: a span only when someone listens.
        using var span = McpSdk.HasListeners() ? McpSdk.StartActivity("tools/call issue_refund", ActivityKind.Server) : null;
        await call();
    }

    /// <summary>The providers <see cref="StdioTelemetry"/> builds, with exporters that drop what they are given.</summary>
    private sealed class Providers : IDisposable
    {
        private readonly TracerProvider _traces;
        private readonly MeterProvider _metrics;

        private Providers(TracerProvider traces, MeterProvider metrics) => (_traces, _metrics) = (traces, metrics);

        public static Providers Start()
        {
            var only = Environment.GetEnvironmentVariable("KEYBRAKE_BENCH_OTEL");
            return new(
                Sdk.CreateTracerProviderBuilder().AddSource(only == "metrics" ? [] : [KeybrakeTelemetry.Name, KeybrakeTelemetry.McpSdkName])
                    .AddProcessor(new BatchActivityExportProcessor(new Dropped<Activity>())).Build(),
                Sdk.CreateMeterProviderBuilder().AddMeter(only == "traces" ? [] : [KeybrakeTelemetry.Name, KeybrakeTelemetry.McpSdkName])
                    .AddView(i => only == "counters" && i.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal) ? MetricStreamConfiguration.Drop : null)
                    .AddReader(new PeriodicExportingMetricReader(new Dropped<Metric>(), 1000)).Build());
        }

        public void Dispose()
        {
            _traces.Dispose();
            _metrics.Dispose();
        }
    }

    private sealed class Dropped<T> : BaseExporter<T>
        where T : class
    {
        public override ExportResult Export(in Batch<T> batch)
        {
            foreach (var _ in batch)
            {
            }

            return ExportResult.Success;
        }
    }
}
