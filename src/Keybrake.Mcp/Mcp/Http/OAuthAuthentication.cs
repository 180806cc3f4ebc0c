using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;

namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// Authentication of <c>/mcp</c>: the ledger's <c>kbk_</c> agent tokens always, and with <see cref="OAuthSettings"/>
/// also JWT access tokens of one issuer, validated by ASP.NET Core's JWT bearer handler (signature by the issuer's keys
/// from its discovery document, refreshed on an unknown <c>kid</c>; issuer; audience = this resource; expiry), with the
/// MCP SDK's scheme serving the protected resource metadata (RFC 9728) and the 401 that points at it.
/// </summary>
public static class OAuthAuthentication
{
    /// <summary>Chooses the scheme per request: a <c>kbk_</c> token is the ledger's, any other bearer token a JWT.</summary>
    public const string SchemeName = "KeybrakeBearer";

    /// <summary>Claim carrying who vouched for the caller (<c>issuer subject</c>), for the audit; never the token.</summary>
    public const string ProvenByClaim = "keybrake_proven_by";

    public static void AddKeybrakeAuthentication(this IServiceCollection services, OAuthSettings? oauth)
    {
        if (oauth is null)
        {
            services.AddAuthentication(AgentTokenAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, AgentTokenAuthenticationHandler>(AgentTokenAuthenticationHandler.SchemeName, null);
            return;
        }

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SchemeName;
                o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddPolicyScheme(SchemeName, "kbk_ token or JWT", o => o.ForwardDefaultSelector = context =>
                // The auth scheme's name is case-insensitive (RFC 9110), as the kbk_ handler reads it.
                context.Request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer kbk_", StringComparison.OrdinalIgnoreCase)
                    ? AgentTokenAuthenticationHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, AgentTokenAuthenticationHandler>(AgentTokenAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(o =>
            {
                o.Authority = oauth.IssuerName;
                // Plain HTTP only for an issuer on this machine (tests, a local IdP); anywhere else its keys come over TLS.
                o.RequireHttpsMetadata = !oauth.Issuer.IsLoopback;
                o.MapInboundClaims = false;
                o.SaveToken = false;
                o.IncludeErrorDetails = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = oauth.IssuerName,
                    ValidAudience = oauth.Resource.ToString(),
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ValidateIssuerSigningKey = true,
                    // Asymmetric only: an HMAC token "signed" with the issuer's public key is not a token.
                    ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
                        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512],
                    ClockSkew = oauth.ClockSkew,
                    NameClaimType = oauth.AgentClaim,
                };
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context => Identify(context, oauth),
                    // The MCP scheme answers the challenge (its WWW-Authenticate names the metadata); nothing about the token.
                    OnChallenge = context => Task.CompletedTask,
                };
            })
            .AddMcp(o => o.ResourceMetadata = new ProtectedResourceMetadata
            {
                Resource = oauth.Resource.ToString(),
                AuthorizationServers = [oauth.IssuerName],
                BearerMethodsSupported = ["header"],
                ResourceName = "Keybrake MCP",
            });
    }

    /// <summary>The agent is the claim the operator named; a token without it names nobody and is refused.</summary>
    private static Task Identify(TokenValidatedContext context, OAuthSettings oauth)
    {
        var principal = context.Principal!;
        if (principal.FindFirst(oauth.AgentClaim)?.Value is not { Length: > 0 } agent)
        {
            context.Fail($"the token has no '{oauth.AgentClaim}' claim to name the agent");
            return Task.CompletedTask;
        }

        var subject = principal.FindFirst("sub")?.Value ?? agent;
        var issuer = principal.FindFirst("iss")?.Value ?? oauth.IssuerName;
        principal.AddIdentity(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, agent), new Claim(ClaimTypes.Name, agent), new Claim(ProvenByClaim, $"{issuer} {subject}")],
            JwtBearerDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));
        return Task.CompletedTask;
    }
}
