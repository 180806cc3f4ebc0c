using System.Collections.Immutable;
using System.Globalization;

namespace Keybrake.Mcp.Observability;

/// <summary>
/// OpenTelemetry's standard environment variables, read once at start: traces and metrics go out over OTLP when an
/// endpoint is set (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or the per-signal <c>..._TRACES_ENDPOINT</c> /
/// <c>..._METRICS_ENDPOINT</c>), and nothing is built otherwise. A value the exporter cannot use is an error naming it.
/// </summary>
public sealed record TelemetrySettings
{
    private const string Prefix = "OTEL_EXPORTER_OTLP_";

    /// <summary>No endpoint: nothing exported, no provider built.</summary>
    public static TelemetrySettings Off { get; } = new();

    /// <summary>Where spans go (the endpoint's full URL, <c>/v1/traces</c> appended for a base endpoint over HTTP); null: not exported.</summary>
    public Uri? TracesEndpoint { get; init; }

    /// <summary>Where metrics go; null: not exported over OTLP.</summary>
    public Uri? MetricsEndpoint { get; init; }

    /// <summary><c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (or the per-signal one): <c>grpc</c> or <c>http/protobuf</c>, the default.</summary>
    public string TracesProtocol { get; init; } = HttpProtobuf;

    /// <inheritdoc cref="TracesProtocol"/>
    public string MetricsProtocol { get; init; } = HttpProtobuf;

    /// <summary><c>OTEL_EXPORTER_OTLP_HEADERS</c> (or the per-signal one), as given: <c>key=value,key=value</c>.</summary>
    public string? TracesHeaders { get; init; }

    /// <inheritdoc cref="TracesHeaders"/>
    public string? MetricsHeaders { get; init; }

    /// <summary><c>OTEL_SERVICE_NAME</c>; default <c>keybrake-mcp</c>.</summary>
    public string ServiceName { get; init; } = KeybrakeTelemetry.DefaultServiceName;

    /// <summary>
    /// The other <c>OTEL_*</c> variables the SDK reads itself (batch delay, metric interval, timeouts, resource attributes),
    /// as configuration: the HTTP server's configuration carries no environment variables of its own.
    /// </summary>
    public ImmutableDictionary<string, string?> Sdk { get; init; } = ImmutableDictionary<string, string?>.Empty;

    /// <summary>Whether anything is exported over OTLP.</summary>
    public bool Enabled => TracesEndpoint is not null || MetricsEndpoint is not null;

    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    // Read by the SDK from configuration; checked here so that a typo stops the server instead of being ignored.
    private static readonly string[] Numbers =
    [
        "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    ];

    private static readonly string[] Passed = ["OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"];

    /// <summary>The settings the environment describes; throws <see cref="SettingsException"/> naming each unusable value.</summary>
    public static TelemetrySettings FromEnvironment(Func<string, string?> env)
    {
        if (string.Equals(Value(env, "OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return Off;
        }

        var problems = new List<string>();
        var sdk = ImmutableDictionary.CreateBuilder<string, string?>();
        foreach (var name in Numbers)
        {
            if (Value(env, name) is { } text)
            {
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    sdk[name] = text;
                }
                else
                {
                    problems.Add($"{name}: '{text}' is not a whole number of milliseconds (or items), 0 or more");
                }
            }
        }

        foreach (var name in Passed)
        {
            if (Value(env, name) is { } text)
            {
                sdk[name] = text;
            }
        }

        var baseEndpoint = Endpoint(env, $"{Prefix}ENDPOINT", problems);
        var baseProtocol = Protocol(env, $"{Prefix}PROTOCOL", HttpProtobuf, problems);
        var baseHeaders = Headers(env, $"{Prefix}HEADERS", null, problems);
        var settings = new TelemetrySettings
        {
            TracesProtocol = Protocol(env, $"{Prefix}TRACES_PROTOCOL", baseProtocol, problems),
            MetricsProtocol = Protocol(env, $"{Prefix}METRICS_PROTOCOL", baseProtocol, problems),
            TracesHeaders = Headers(env, $"{Prefix}TRACES_HEADERS", baseHeaders, problems),
            MetricsHeaders = Headers(env, $"{Prefix}METRICS_HEADERS", baseHeaders, problems),
            ServiceName = Value(env, "OTEL_SERVICE_NAME") ?? KeybrakeTelemetry.DefaultServiceName,
            Sdk = sdk.ToImmutable(),
        };
        settings = settings with
        {
            TracesEndpoint = SignalEndpoint(env, "TRACES", "v1/traces", baseEndpoint, settings.TracesProtocol, problems),
            MetricsEndpoint = SignalEndpoint(env, "METRICS", "v1/metrics", baseEndpoint, settings.MetricsProtocol, problems),
        };
        return problems.Count == 0 ? settings : throw new SettingsException(problems);
    }

    /// <summary>
    /// The spec's rule: a per-signal endpoint is used as given; the base endpoint gets the signal's path over HTTP
    /// (<c>http://collector:4318</c> becomes <c>http://collector:4318/v1/traces</c>), and is used as given over gRPC.
    /// </summary>
    private static Uri? SignalEndpoint(Func<string, string?> env, string signal, string path, Uri? baseEndpoint, string protocol, List<string> problems)
    {
        if (Endpoint(env, $"{Prefix}{signal}_ENDPOINT", problems) is { } own)
        {
            return own;
        }

        return baseEndpoint is null || protocol == Grpc ? baseEndpoint : new Uri($"{baseEndpoint.ToString().TrimEnd('/')}/{path}");
    }

    private static Uri? Endpoint(Func<string, string?> env, string name, List<string> problems)
    {
        if (Value(env, name) is not { } text)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        problems.Add($"{name}: '{text}' is not an absolute http(s) URL (for example http://localhost:4318)");
        return null;
    }

    private static string Protocol(Func<string, string?> env, string name, string fallback, List<string> problems)
    {
        var text = Value(env, name);
        switch (text)
        {
            case null:
                return fallback;
            case Grpc or HttpProtobuf:
                return text;
            default:
                problems.Add($"{name}: '{text}' is not {Grpc} or {HttpProtobuf}" + (text == "http/json" ? " (http/json is not supported by the .NET exporter)" : ""));
                return fallback;
        }
    }

    private static string? Headers(Func<string, string?> env, string name, string? fallback, List<string> problems)
    {
        if (Value(env, name) is not { } text)
        {
            return fallback;
        }

        if (text.Split(',').All(pair => pair.IndexOf('=') > 0))
        {
            return text;
        }

        // Never the value itself: headers carry credentials.
        problems.Add($"{name}: not a list of key=value pairs separated by commas");
        return fallback;
    }

    private static string? Value(Func<string, string?> env, string name) => env(name) is { Length: > 0 } text ? text.Trim() : null;
}
