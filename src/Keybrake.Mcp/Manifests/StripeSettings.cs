namespace Keybrake.Mcp.Manifests;

/// <summary>The <c>stripe</c> block: which environment variable holds the role's key and which mode it must be.</summary>
public sealed record StripeSettings(string KeyEnv, StripeMode Mode, bool AllowSecretKey = false);

/// <summary>Test or live: a key of the other mode is refused at start.</summary>
public enum StripeMode
{
    Test,
    Live,
}
