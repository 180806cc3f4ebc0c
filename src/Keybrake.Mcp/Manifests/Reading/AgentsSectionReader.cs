using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>agents</c>: the unique, non-empty list of agent names acting in the role.</summary>
internal static class AgentsSectionReader
{
    /// <summary>The valid names with their paths; the paths let cross-file checks point at each occurrence.</summary>
    public static ImmutableArray<(string Text, JsonPath Path)> Read(ManifestNode? node, FileDiagnostics diagnostics) =>
        ManifestValues.StringSet(node, diagnostics, "agents", "[\"refund-bot\"]", (item, name) =>
        {
            if (ManifestPatterns.AgentRegex().IsMatch(name))
            {
                return true;
            }

            diagnostics.Report(
                item.Path,
                $"\"{name}\" is not a valid agent name: start with a lower-case letter or digit, then up to 63 of a-z 0-9 . _ -, e.g. \"refund-bot\"");
            return false;
        }) ?? [];
}
