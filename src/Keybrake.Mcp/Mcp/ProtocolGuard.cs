using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>
/// Protocol rules the SDK leaves to us, as an incoming message filter: no request but <c>initialize</c> and <c>ping</c>
/// before a protocol version is agreed (by the handshake, or per request under 2026-07-28, which has no handshake), and a
/// clear error for a message the stdio transport refused for its size (<see cref="Stdio.MessageSizeLimit"/>).
/// </summary>
public static class ProtocolGuard
{
    /// <summary>The method the stdio size limit puts in place of a request that was too large.</summary>
    public const string TooLargeMethod = "keybrake/message_too_large";

    /// <summary>The same, for a message whose id could not be found (a notification, or no id at all).</summary>
    public const string TooLargeNotification = "notifications/keybrake/message_too_large";

    public static void Apply(McpServerOptions options) =>
        options.Filters.Message.IncomingFilters.Add(next => async (context, ct) =>
        {
            switch (context.JsonRpcMessage)
            {
                case JsonRpcRequest { Method: TooLargeMethod } request:
                    throw new McpProtocolException(TooLargeMessage(request.Params?["bytes"]?.GetValue<long>()), McpErrorCode.InvalidRequest);
                case JsonRpcNotification { Method: TooLargeNotification } notification:
                    context.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(ProtocolGuard))
                        .LogWarning("Dropped a message without an id: {Message}", TooLargeMessage(notification.Params?["bytes"]?.GetValue<long>()));
                    return;
                // 2026-07-28 has no handshake: its requests (server/discover first) declare the version in their own _meta.
                case JsonRpcRequest { Method: not (RequestMethods.Initialize or RequestMethods.Ping) } early
                    when context.Server.NegotiatedProtocolVersion is null && early.Context?.ProtocolVersion is null:
                    // Nothing is executed for a client that skipped the handshake, least of all a tools/call that moves money.
                    throw new McpProtocolException(
                        $"'{early.Method}' before 'initialize': send initialize (and notifications/initialized) first, " +
                        "or declare the protocol version in each request's _meta (2026-07-28)", McpErrorCode.InvalidRequest);
            }

            await next(context, ct);
        });

    private static string TooLargeMessage(long? bytes) =>
        $"the message{(bytes is { } n ? $" of {n:N0} bytes" : "")} is over the {Stdio.MessageSizeLimit.DefaultLimit / 1024 / 1024} MiB limit; it was not read and nothing was done";
}
