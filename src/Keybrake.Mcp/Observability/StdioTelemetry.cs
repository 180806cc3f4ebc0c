using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Keybrake.Mcp.Observability;

/// <summary>
/// OTLP export for <c>serve --agent</c>, which has no generic host: the providers are built directly, and disposing
/// them on exit flushes what is still batched.
/// </summary>
public sealed class StdioTelemetry : IDisposable
{
    private readonly TracerProvider? _traces;
    private readonly MeterProvider? _metrics;

    private StdioTelemetry(TracerProvider? traces, MeterProvider? metrics) => (_traces, _metrics) = (traces, metrics);

    /// <summary>The providers <paramref name="settings"/> ask for, or null when no endpoint is set (nothing is built).</summary>
    public static StdioTelemetry? Start(TelemetrySettings settings)
    {
        if (!settings.Enabled)
        {
            return null;
        }

        // The variables as checked, not the process's: the SDK reads its batch and interval settings from this.
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Sdk).Build();
        var traces = settings.TracesEndpoint is { } tracesAt
            ? OtlpPipelines.Traces(Sdk.CreateTracerProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(configuration))
                .ConfigureResource(r => OtlpPipelines.Resource(r, settings)), settings, tracesAt).Build()
            : null;
        var metrics = settings.MetricsEndpoint is { } metricsAt
            ? OtlpPipelines.Metrics(Sdk.CreateMeterProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(configuration))
                .ConfigureResource(r => OtlpPipelines.Resource(r, settings)), settings, metricsAt).Build()
            : null;
        return new StdioTelemetry(traces, metrics);
    }

    public void Dispose()
    {
        _traces?.Dispose();
        _metrics?.Dispose();
    }
}
