using Keybrake.Mcp.Observability;

namespace Keybrake.Mcp.Tests.Observability;

/// <summary>OpenTelemetry's standard variables, as <see cref="TelemetrySettings"/> reads them.</summary>
public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings Read(params (string Name, string Value)[] env) =>
        TelemetrySettings.FromEnvironment(name => env.FirstOrDefault(e => e.Name == name).Value);

    [Fact]
    public void Nothing_set_is_off()
    {
        var settings = Read();
        Assert.False(settings.Enabled);
        Assert.Equal("keybrake-mcp", settings.ServiceName);
    }

    [Fact]
    public void A_base_endpoint_gets_each_signal_path_over_http_and_is_used_as_given_over_grpc()
    {
        var http = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"), ("OTEL_SERVICE_NAME", "payments-agents"));
        Assert.Equal("http://collector:4318/v1/traces", http.TracesEndpoint?.ToString());
        Assert.Equal("http://collector:4318/v1/metrics", http.MetricsEndpoint?.ToString());
        Assert.Equal("payments-agents", http.ServiceName);

        var grpc = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
        Assert.Equal(("http://collector:4317/", "grpc"), (grpc.TracesEndpoint?.ToString(), grpc.TracesProtocol));
    }

    [Fact]
    public void A_signal_endpoint_is_used_as_given_and_alone_exports_that_signal_only()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example/otlp"));
        Assert.Equal("https://traces.example/otlp", settings.TracesEndpoint?.ToString());
        Assert.Null(settings.MetricsEndpoint);
    }

    [Fact]
    public void Sdk_disabled_turns_everything_off()
    {
        Assert.False(Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_SDK_DISABLED", "true")).Enabled);
    }

    [Fact]
    public void Rejects_each_unusable_value_by_name_and_never_echoes_headers()
    {
        var ex = Assert.Throws<SettingsException>(() => Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization Bearer secret-value"),
            ("OTEL_BSP_SCHEDULE_DELAY", "soon")));
        Assert.Equal(4, ex.Problems.Count);
        Assert.Contains(ex.Problems, p => p.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' is not an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("http/json is not supported", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("OTEL_EXPORTER_OTLP_HEADERS: not a list of key=value pairs", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("OTEL_BSP_SCHEDULE_DELAY: 'soon'", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Problems, p => p.Contains("secret-value", StringComparison.Ordinal));
    }
}
