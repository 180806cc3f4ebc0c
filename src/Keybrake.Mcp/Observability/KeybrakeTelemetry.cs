using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Keybrake.Mcp.Observability;

/// <summary>The names an OpenTelemetry pipeline subscribes to, and this process's own source of spans.</summary>
public static class KeybrakeTelemetry
{
    /// <summary>Our spans (the Stripe requests of a call) and our meter.</summary>
    public const string Name = "Keybrake.Mcp";

    /// <summary>
    /// The MCP SDK's source and meter: it starts the <c>tools/call {tool}</c> span (kind server, parented from the request's
    /// <c>_meta.traceparent</c>) that a governed call enriches, and records <c>mcp.server.operation.duration</c>.
    /// </summary>
    public const string McpSdkName = "Experimental.ModelContextProtocol";

    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "keybrake-mcp";

    // Static like the SDK's own: listeners are process-wide, and a static field is the cheapest "anyone listening?" check
    // on the call path, which is all this costs when telemetry is off.
    internal static ActivitySource Source { get; } = new(Name);

    internal static Meter Meter { get; } = new(Name);
}
