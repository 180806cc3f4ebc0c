using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Mcp;

/// <summary>The MCP tools one role sees: exactly the manifest's tools, each with its generated schema.</summary>
public static class RoleTools
{
    public static IReadOnlyList<GovernedTool> For(RoleManifest role, ToolRegistry registry) =>
        role.Tools
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Where(t => registry.Find(t.Key) is not null)
            .Select(t => new GovernedTool(registry.Find(t.Key)!, role, t.Value))
            .ToList();

    /// <summary>Tools a manifest names that this build does not implement yet, for a start-up warning.</summary>
    public static IEnumerable<string> Missing(RoleManifest role, ToolRegistry registry) =>
        role.Tools.Keys.Where(name => registry.Find(name) is null).Order(StringComparer.Ordinal);
}
