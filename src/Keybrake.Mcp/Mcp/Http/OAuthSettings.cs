namespace Keybrake.Mcp.Mcp.Http;

/// <summary>
/// The OAuth resource-server side of <c>/mcp</c> (DESIGN.md 3.6): whose JWT access tokens are accepted, for which
/// resource (the audience they must carry), and which claim names the agent.
/// </summary>
/// <param name="Resource">This server's canonical URL, <c>.../mcp</c>: the <c>resource</c> of its metadata and the tokens' audience.</param>
public sealed record OAuthSettings(Uri Issuer, string AgentClaim, Uri Resource)
{
    /// <summary>The claim that names the agent unless <c>--auth-agent-claim</c> says otherwise.</summary>
    public const string DefaultAgentClaim = "sub";

    /// <summary>
    /// The issuer exactly as the operator gave it: tokens' <c>iss</c> and the server's metadata are compared with it as a
    /// string, so a trailing slash is kept where the issuer has one (Auth0's) and none is added where it has none.
    /// </summary>
    public string IssuerName => Issuer.OriginalString;

    /// <summary>Clock skew allowed on a token's expiry and not-before: small, so that an expired token is refused within seconds.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);
}
