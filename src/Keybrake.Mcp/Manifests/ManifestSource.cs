namespace Keybrake.Mcp.Manifests;

/// <summary>Holds the manifests in force. A reload swaps the whole set at once, so a call sees one version throughout.</summary>
public sealed class ManifestSource(ManifestSet initial)
{
    private volatile ManifestSet _current = initial;

    public ManifestSet Current => _current;

    public void Replace(ManifestSet next) => _current = next;
}
