using Microsoft.AspNetCore.Http;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// Refuses requests whose <c>Origin</c> is a foreign web page (DNS-rebinding and cross-site requests from a browser).
/// Requests without an Origin (agents, CLIs, SDKs) pass; loopback origins and the configured ones pass.
/// </summary>
public sealed class OriginPolicy(IReadOnlyCollection<string> allowedOrigins)
{
    public bool Allows(string? origin)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (allowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.IsLoopback && uri.Scheme is "http" or "https";
    }

    /// <summary>Middleware: 403 with a plain reason for a foreign origin.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (!Allows(origin))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync($"Origin '{origin}' is not allowed; start the server with --allowed-origins to permit it.");
            return;
        }

        await next(context);
    }
}
