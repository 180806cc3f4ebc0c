using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Sandbox;

/// <summary>
/// Marks a sandbox server at the MCP edge: <c>"sandbox": true</c> in every tool result's structured content (declared
/// in each output schema, which clients validate against), and a warning in the server's instructions.
/// </summary>
public static class SandboxMarking
{
    public const string Property = "sandbox";

    private const string Notice =
        "SANDBOX: this server acts on a simulated Stripe account; nothing here moves real money. Every result carries \"sandbox\": true. ";

    public static IServiceCollection AddSandboxMarking(this IServiceCollection services) =>
        // Post-configure: it must see the tools and instructions however the server was set up, stdio or HTTP sessions.
        services.PostConfigure<McpServerOptions>(options =>
        {
            options.ServerInstructions = Notice + options.ServerInstructions;
            options.Filters.Request.ListToolsFilters.Add(next => async (request, ct) => MarkTools(await next(request, ct)));
            options.Filters.Request.CallToolFilters.Add(next => async (request, ct) => MarkResult(await next(request, ct)));
        });

    public static CallToolResult MarkResult(CallToolResult result)
    {
        if (result.StructuredContent is { ValueKind: JsonValueKind.Object } structured)
        {
            result.StructuredContent = ToElement(Marked(JsonNode.Parse(structured.GetRawText())!.AsObject()));
        }
        else if (result.StructuredContent is null && result.IsError == true)
        {
            result.StructuredContent = ToElement(Marked(new JsonObject()));
        }

        // The text block of a success repeats the structured content as JSON for clients that read only text.
        foreach (var block in result.Content.OfType<TextContentBlock>())
        {
            if (block.Text.StartsWith('{') && TryParseObject(block.Text) is { } text)
            {
                block.Text = Marked(text).ToJsonString();
            }
        }

        return result;
    }

    public static ListToolsResult MarkTools(ListToolsResult result)
    {
        // Copies: the listed Tool objects belong to the registered tools and are shared across requests.
        result.Tools = [.. result.Tools.Select(MarkTool)];
        return result;
    }

    private static Tool MarkTool(Tool tool)
    {
        var info = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool));
        var copy = (Tool)JsonSerializer.Deserialize(JsonSerializer.SerializeToElement(tool, info), info)!;
        if (copy.OutputSchema is { ValueKind: JsonValueKind.Object } schema && JsonNode.Parse(schema.GetRawText()) is JsonObject node)
        {
            if (node["properties"] is not JsonObject properties)
            {
                properties = new JsonObject();
                node["properties"] = properties;
            }

            properties[Property] = new JsonObject
            {
                ["type"] = "boolean",
                ["const"] = true,
                ["description"] = "Present and true when the server runs against the simulated sandbox account: no real money moved.",
            };
            copy.OutputSchema = ToElement(node);
        }

        return copy;
    }

    private static JsonObject Marked(JsonObject node)
    {
        node[Property] = true;
        return node;
    }

    private static JsonObject? TryParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement ToElement(JsonObject node) =>
        JsonSerializer.SerializeToElement(node, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
}
