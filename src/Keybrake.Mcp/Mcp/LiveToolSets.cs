using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>
/// The tool collections of live MCP sessions, by agent. After a manifest reload each is brought to the agent's new
/// role: the SDK turns those changes into <c>notifications/tools/list_changed</c> where the protocol allows.
/// Sessions are held weakly, so a closed session is simply forgotten.
/// </summary>
public sealed class LiveToolSets
{
    private readonly ConditionalWeakTable<McpServerPrimitiveCollection<McpServerTool>, string> _sessions = new();

    public void Register(string agent, McpServerPrimitiveCollection<McpServerTool> tools) => _sessions.AddOrUpdate(tools, agent);

    /// <summary>Updates every live collection to the tools of its agent's role in <paramref name="manifests"/>.</summary>
    public void Refresh(ManifestSet manifests, ToolRegistry registry)
    {
        foreach (var (tools, agent) in _sessions)
        {
            var wanted = manifests.RoleOf(agent) is { } role
                ? McpServerSetup.ToolsFor(role, registry).ToDictionary(t => t.ProtocolTool.Name)
                : [];
            // One notification for the whole change, not one per tool.
            using var batch = tools.DeferChangedEvents();
            foreach (var current in tools.ToArray())
            {
                if (!wanted.TryGetValue(current.ProtocolTool.Name, out var next) || !SameShape(current, next))
                {
                    tools.Remove(current);
                }
            }

            foreach (var tool in wanted.Values)
            {
                tools.TryAdd(tool);
            }
        }
    }

    // The SDK's own (source-generated) contract for Tool: no reflection, so it works under Native AOT.
    private static readonly JsonTypeInfo ToolJson = ModelContextProtocol.McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ModelContextProtocol.Protocol.Tool));

    private static bool SameShape(McpServerTool a, McpServerTool b) =>
        JsonSerializer.Serialize(a.ProtocolTool, ToolJson) == JsonSerializer.Serialize(b.ProtocolTool, ToolJson);
}
