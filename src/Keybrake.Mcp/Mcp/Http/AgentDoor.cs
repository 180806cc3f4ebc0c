using System.Security.Claims;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// The door of <c>/mcp</c> after authentication: an agent in no manifest, or revoked (by name, role or all), is refused
/// with 403 on every request, whatever credential it holds, not just on its tool calls: a revoked agent cannot even
/// open a session or list tools. A ledger that cannot say is a 503: fail closed.
/// </summary>
public sealed class AgentDoor(ManifestSource manifests, ILedger ledger, ILogger<AgentDoor> logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value is not { } agent)
        {
            await next(context);
            return;
        }

        if (manifests.Current.RoleOf(agent) is not { } role)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "unknown_agent", $"agent '{agent}' is not listed in any manifest");
            return;
        }

        Revocation? revocation;
        try
        {
            revocation = await ledger.FindRevocationAsync(new CallIdentity(agent, role.Role), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Ledger unavailable; refusing {Agent} at the door", agent);
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable", "the audit ledger is unavailable; try again shortly");
            return;
        }

        if (revocation is not null)
        {
            var why = revocation.Reason is { Length: > 0 } reason ? $": {reason}" : "";
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "revoked",
                $"agent '{agent}' is revoked ({revocation.Scope}) since {revocation.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}{why}; an operator reinstates it with 'keybrake-mcp reinstate'");
            return;
        }

        await next(context);
    }

    private static Task RefuseAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());
    }
}
