namespace Keybrake.Mcp.Mcp.Http;

/// <summary>Where and to whom the HTTP server listens.</summary>
public sealed record HttpServerSettings(string Urls, IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedHosts)
{
    public const string DefaultUrls = "http://127.0.0.1:8787";

    /// <summary>JWT access tokens of an OAuth issuer accepted beside <c>kbk_</c> tokens (<c>--auth-issuer</c>); null: <c>kbk_</c> only.</summary>
    public OAuthSettings? OAuth { get; init; }

    /// <summary>The operators' console at <c>/console</c> on the same port (<c>serve --http --console</c>).</summary>
    public bool Console { get; init; }

    /// <summary>True when every configured URL is a loopback address.</summary>
    public bool IsLoopbackOnly => Hosting.SlimWebHost.IsLoopbackOnly(Urls);
}
