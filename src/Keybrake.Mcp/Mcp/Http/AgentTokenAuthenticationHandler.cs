using System.Security.Claims;
using System.Text.Encodings.Web;
using Keybrake.Mcp.Ledger;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// Authenticates <c>Authorization: Bearer kbk_...</c> against the ledger's agent tokens. The agent becomes the
/// request's user (name identifier), which the MCP SDK also uses to bind a session to the agent that opened it.
/// </summary>
public sealed class AgentTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AgentTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "KeybrakeAgentToken";

    /// <summary>Claim carrying the token id, for logs (never the token).</summary>
    public const string TokenIdClaim = "keybrake_token_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("expected a Bearer token");
        }

        var info = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (info is null)
        {
            return AuthenticateResult.Fail("unknown or revoked token");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, info.Agent), new Claim(ClaimTypes.Name, info.Agent), new Claim(TokenIdClaim, info.Id)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var presented = !string.IsNullOrEmpty(Request.Headers.Authorization.ToString());
        Response.Headers.WWWAuthenticate = presented
            ? "Bearer realm=\"keybrake-mcp\", error=\"invalid_token\", error_description=\"unknown or revoked token\""
            : "Bearer realm=\"keybrake-mcp\"";
        return Response.WriteAsync(presented
            ? "The bearer token is unknown or revoked. An operator issues tokens with 'keybrake-mcp token issue AGENT'."
            : "This endpoint needs 'Authorization: Bearer <token>'. An operator issues tokens with 'keybrake-mcp token issue AGENT'.");
    }
}
