using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests;

/// <summary>The outcome of loading manifests: the set when every file is valid, otherwise every error found.</summary>
/// <param name="Set">Null whenever <paramref name="Errors"/> is not empty: a bad manifest never starts a server.</param>
public sealed record ManifestLoadResult(ManifestSet? Set, ImmutableArray<ManifestError> Errors)
{
    /// <summary>True when the set loaded with no error.</summary>
    public bool IsValid => Set is not null && Errors.IsDefaultOrEmpty;
}
