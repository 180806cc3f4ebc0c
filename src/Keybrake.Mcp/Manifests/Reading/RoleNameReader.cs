namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>role</c>: a plain lower-case id that equals the file name, so <c>tool-manifests/x.json</c> is always role x.</summary>
internal static class RoleNameReader
{
    public static string? Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var role = ManifestValues.Matching(
            node, ManifestPatterns.RoleRegex(), diagnostics, "role", "use lower-case letters, digits and dashes, e.g. \"support-refunds\"");
        var expected = Path.GetFileNameWithoutExtension(diagnostics.File);
        if (role is not null && role != expected)
        {
            diagnostics.Report(
                node!.Value.Path,
                $"role \"{role}\" does not match the file name \"{Path.GetFileName(diagnostics.File)}\": "
                + $"rename the file to \"{role}.json\" or set \"role\": \"{expected}\"");
        }

        return role;
    }
}
