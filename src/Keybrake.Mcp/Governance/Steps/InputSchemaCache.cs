using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>Each tool's input schema for a role and grant, built once per manifest instead of on every call it validates.</summary>
/// <remarks>Keyed by the manifest object: a reload brings new objects, and the schemas of the old ones go with them.</remarks>
public sealed class InputSchemaCache
{
    private readonly ConditionalWeakTable<RoleManifest, ConcurrentDictionary<(IToolOperation Tool, ToolGrant Grant), JsonObject>> _built = new();

    /// <summary>The schema <paramref name="tool"/> publishes for this role and grant; shared, so it is only ever read.</summary>
    public JsonObject For(IToolOperation tool, RoleManifest role, ToolGrant grant) =>
        _built.GetValue(role, static _ => new()).GetOrAdd((tool, grant), static (key, role) => key.Tool.InputSchema(role, key.Grant), role);
}
