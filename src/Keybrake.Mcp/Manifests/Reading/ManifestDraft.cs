using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>
/// One file read as far as it could be: the best-effort manifest plus what whole-manifest and cross-file rules need.
/// Never leaves the loader when its file has errors.
/// </summary>
internal sealed record ManifestDraft(
    RoleManifest Manifest,
    string? DeclaredRole,
    ImmutableArray<(string Text, JsonPath Path)> Agents,
    bool BudgetsComplete,
    FileDiagnostics Diagnostics)
{
    public static readonly JsonPath RolePath = JsonPath.Root.Property("role");

    public string File => Diagnostics.File;

    /// <summary>The role as messages about other files name it, even when <c>role</c> is missing or wrong.</summary>
    public string RoleLabel => DeclaredRole ?? Path.GetFileNameWithoutExtension(File);
}
