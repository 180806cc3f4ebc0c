using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests;

/// <summary>
/// One entry of a role's <c>notify</c>: where its events are POSTed, which ones, and the environment variable holding
/// the secret that signs them (the secret itself is read at delivery and never stored).
/// </summary>
public sealed record NotifyEndpoint(Uri Url, ImmutableArray<string> Events, string SecretEnv)
{
    /// <summary>Whether this endpoint takes events of this type.</summary>
    public bool Takes(string type) => Events.Contains(type, StringComparer.Ordinal);
}
