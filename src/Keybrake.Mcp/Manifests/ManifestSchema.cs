using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Stripe.Tools;

namespace Keybrake.Mcp.Manifests;

/// <summary>
/// The editor schema's <c>tools</c> section (<c>tool-manifests/manifest.schema.json</c>), derived from the tools'
/// declarations: one closed entry per tool with exactly the fields it declares. A test keeps the file equal to it.
/// </summary>
public static class ManifestSchema
{
    private const string ShadowDescription = "Audit-only: this tool's own constraints are recorded as shadow_denied instead of refusing.";

    private static readonly JsonSerializerOptions Written = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>tools</c> property of the schema for these tools.</summary>
    public static JsonObject ToolsSection(IEnumerable<ToolDeclaration> tools) => new()
    {
        ["type"] = "object",
        ["description"] = "Tools the role may call, by name, with their constraints. A tool not listed does not exist for the role.",
        ["additionalProperties"] = false,
        ["properties"] = new JsonObject(tools.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)Entry(t)))),
    };

    /// <summary>The schema's text with its tools section derived from this build's tools, everything else as it was.</summary>
    public static string WithToolsOf(string schemaText)
    {
        var root = JsonNode.Parse(schemaText)!.AsObject();
        root["properties"]!["tools"] = ToolsSection(StripeTools.Declarations);
        return root.ToJsonString(Written) + "\n";
    }

    private static JsonObject Entry(ToolDeclaration tool)
    {
        var properties = new JsonObject();
        foreach (var field in tool.ManifestFields)
        {
            properties[field] = new JsonObject { ["$ref"] = $"#/$defs/{field}" };
        }

        properties["shadow"] = new JsonObject { ["$ref"] = "#/$defs/shadow", ["description"] = ShadowDescription };
        var entry = new JsonObject
        {
            ["type"] = "object",
            ["description"] = tool.ManifestDescription,
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
        if (tool.RequiredManifestFields.Count > 0)
        {
            entry["required"] = new JsonArray([.. tool.RequiredManifestFields.Select(f => (JsonNode?)f)]);
        }

        return entry;
    }
}
