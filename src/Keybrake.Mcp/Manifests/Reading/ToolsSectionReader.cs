using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>tools</c>: the role's grants by catalog tool name. A tool not listed does not exist for the role.</summary>
internal static class ToolsSectionReader
{
    private static readonly string[] Names = [.. ToolCatalog.AllowedFields.Keys];

    public static ImmutableDictionary<string, ToolGrant> Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        if (node is not { } n || ObjectReader.Open(n, Names, diagnostics, "\"tools\"", kind: "tool") is not { } tools)
        {
            return ImmutableDictionary<string, ToolGrant>.Empty;
        }

        var grants = ImmutableDictionary.CreateBuilder<string, ToolGrant>(StringComparer.Ordinal);
        foreach (var (name, entry) in tools.Fields)
        {
            grants[name] = ToolGrantReader.Read(name, entry, diagnostics);
        }

        return grants.ToImmutable();
    }
}
