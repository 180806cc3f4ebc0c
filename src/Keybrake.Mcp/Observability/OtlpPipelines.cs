using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Keybrake.Mcp.Observability;

/// <summary>What the tracer and meter providers subscribe to and where they export, for the host and for stdio alike.</summary>
internal static class OtlpPipelines
{
    public static void Resource(ResourceBuilder resource, TelemetrySettings settings) =>
        resource.AddService(settings.ServiceName, serviceVersion: typeof(OtlpPipelines).Assembly.GetName().Version?.ToString(3));

    /// <summary>Our spans and the MCP SDK's (<c>tools/call {tool}</c>, which our calls enrich), over OTLP.</summary>
    public static TracerProviderBuilder Traces(TracerProviderBuilder tracing, TelemetrySettings settings, Uri endpoint) =>
        tracing
            .AddSource(KeybrakeTelemetry.Name, KeybrakeTelemetry.McpSdkName)
            .AddOtlpExporter(o => Exporter(o, endpoint, settings.TracesProtocol, settings.TracesHeaders));

    /// <summary>Our instruments and the MCP SDK's operation durations.</summary>
    public static MeterProviderBuilder Meters(MeterProviderBuilder metrics) =>
        metrics.AddMeter(KeybrakeTelemetry.Name, KeybrakeTelemetry.McpSdkName);

    public static MeterProviderBuilder Metrics(MeterProviderBuilder metrics, TelemetrySettings settings, Uri endpoint) =>
        Meters(metrics).AddOtlpExporter((o, _) => Exporter(o, endpoint, settings.MetricsProtocol, settings.MetricsHeaders));

    // Set here rather than left to the exporter's own reading of the variables: the endpoint is then exactly the one
    // TelemetrySettings checked (signal path included), whatever the exporter version's rules for per-signal variables.
    private static void Exporter(OtlpExporterOptions options, Uri endpoint, string protocol, string? headers)
    {
        options.Endpoint = endpoint;
        options.Protocol = protocol == TelemetrySettings.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        if (headers is not null)
        {
            options.Headers = headers;
        }
    }
}
