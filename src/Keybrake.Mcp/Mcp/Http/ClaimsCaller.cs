using System.Security.Claims;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>Over HTTP the agent is whoever the request's bearer token belongs to.</summary>
public sealed class ClaimsCaller : ICallerResolver
{
    public string? AgentOf(RequestContext<CallToolRequestParams> request) =>
        request.User?.FindFirst(ClaimTypes.NameIdentifier)?.Value;
}
