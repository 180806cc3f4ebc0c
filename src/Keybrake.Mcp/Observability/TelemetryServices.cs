using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Keybrake.Mcp.Observability;

/// <summary>OpenTelemetry in a generic host: OTLP export (<c>serve --http</c>) and the Prometheus <c>/metrics</c> endpoint.</summary>
public static class TelemetryServices
{
    /// <summary>
    /// Tracer and meter providers exporting over OTLP, as <paramref name="settings"/> say; nothing at all when no endpoint
    /// is set. The host's configuration must carry <see cref="TelemetrySettings.Sdk"/> (the SDK reads its batch and
    /// interval settings there).
    /// </summary>
    public static IServiceCollection AddKeybrakeTelemetry(this IServiceCollection services, TelemetrySettings settings)
    {
        if (!settings.Enabled)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => OtlpPipelines.Resource(r, settings));
        if (settings.TracesEndpoint is { } traces)
        {
            // The HTTP request's span too: the MCP span's parent when the client sends no _meta.traceparent. Without it the
            // parent is ASP.NET's unsampled request activity, and the default parent-based sampler drops every such call.
            telemetry.WithTracing(t => OtlpPipelines.Traces(t.AddAspNetCoreInstrumentation(), settings, traces));
        }

        if (settings.MetricsEndpoint is { } metrics)
        {
            telemetry.WithMetrics(m => OtlpPipelines.Metrics(m, settings, metrics));
            services.AddLedgerGauges();
        }

        return services;
    }

    /// <summary>
    /// The meters for <see cref="MapKeybrakeMetrics"/>: this process's call instruments and the MCP SDK's, plus the money
    /// and budget gauges read from the ledger (which need <see cref="Ledger.ILedger"/> and <see cref="Manifests.ManifestSource"/>
    /// registered, as <c>AddKeybrake</c> does). Goes with <see cref="AddKeybrakeTelemetry"/> or alone.
    /// </summary>
    public static IServiceCollection AddKeybrakeMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(m => OtlpPipelines.Meters(m).AddPrometheusExporter());
        return services.AddLedgerGauges();
    }

    /// <summary>
    /// Serves the metrics in Prometheus' text format at <paramref name="path"/> (default <c>/metrics</c>), for a scraper;
    /// needs <see cref="AddKeybrakeMetrics"/>. Map it on the operators' console, e.g.
    /// <c>services.AddKeybrakeMetrics(); ... app.MapKeybrakeMetrics();</c>, and guard it like the console's other routes
    /// (<c>.RequireAuthorization(...)</c>) when the console is reachable from other machines. A process serves the call
    /// metrics of the calls it runs: a console in a process of its own shows the ledger's gauges only.
    /// </summary>
    public static IEndpointConventionBuilder MapKeybrakeMetrics(this IEndpointRouteBuilder endpoints, string path = "/metrics") =>
        endpoints.MapPrometheusScrapingEndpoint(path);

    private static IServiceCollection AddLedgerGauges(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LedgerGauges>());
        return services;
    }
}
