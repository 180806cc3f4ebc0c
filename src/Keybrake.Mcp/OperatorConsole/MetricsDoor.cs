using Keybrake.Mcp.Ledger;
using Microsoft.AspNetCore.Http;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>
/// <c>/metrics</c> on the console's port names roles and money: it answers an operator only, a scraper with an operator
/// token (Prometheus: <c>authorization: { credentials: kbo_... }</c>) or a browser signed in to the console.
/// </summary>
public sealed class MetricsDoor(OperatorCredentials credentials, ConsoleSession session)
{
    public const string Path = "/metrics";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.Equals(Path, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (await credentials.ValidateAsync(bearer, OperatorCredentials.Token, context.RequestAborted) is null && await session.CurrentAsync(context) is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"keybrake-metrics\"";
            await context.Response.WriteAsync("metrics need an operator token (Authorization: Bearer kbo_...; 'keybrake-mcp operator token issue NAME')");
            return;
        }

        await next(context);
    }
}
