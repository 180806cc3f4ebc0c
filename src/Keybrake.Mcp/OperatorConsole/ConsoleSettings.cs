namespace Keybrake.Mcp.OperatorConsole;

/// <summary>Where the operators' console listens when it runs on its own (<c>keybrake-mcp console</c>), and to whom.</summary>
public sealed record ConsoleSettings(string Urls, IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedHosts)
{
    public const string DefaultUrls = "http://127.0.0.1:8788";

    /// <summary>Where the pages live, on the console's own port and on <c>serve --http --console</c>'s.</summary>
    public const string PathBase = "/console";

    /// <summary>How long a sign-in lasts: a working day, then the operator's token is asked for again.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);
}
