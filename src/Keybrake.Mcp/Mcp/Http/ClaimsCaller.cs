using System.Security.Claims;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>Over HTTP the agent is whoever the request's bearer token belongs to.</summary>
public sealed class ClaimsCaller : ICallerResolver
{
    public string? AgentOf(RequestContext<CallToolRequestParams> request) =>
        request.User?.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    /// <summary><c>token:ID</c> for a <c>kbk_</c> token, <c>oauth:ISSUER SUBJECT</c> for a JWT: who vouched, never the credential.</summary>
    public string? ProofOf(RequestContext<CallToolRequestParams> request) =>
        request.User?.FindFirst(AgentTokenAuthenticationHandler.TokenIdClaim)?.Value is { } tokenId ? $"token:{tokenId}"
        : request.User?.FindFirst(OAuthAuthentication.ProvenByClaim)?.Value is { } provenBy ? $"oauth:{provenBy}"
        : null;
}
