namespace Keybrake.Mcp.Mcp.Http;

/// <summary>Where and to whom the HTTP server listens.</summary>
public sealed record HttpServerSettings(string Urls, IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedHosts)
{
    public const string DefaultUrls = "http://127.0.0.1:8787";

    /// <summary>JWT access tokens of an OAuth issuer accepted beside <c>kbk_</c> tokens (<c>--auth-issuer</c>); null: <c>kbk_</c> only.</summary>
    public OAuthSettings? OAuth { get; init; }

    /// <summary>Largest request body accepted; tool arguments are small, so anything bigger is abuse.</summary>
    public const long MaxRequestBodyBytes = 1 << 20;

    /// <summary>True when every configured URL is a loopback address.</summary>
    public bool IsLoopbackOnly => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .All(url => Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost"));
}
