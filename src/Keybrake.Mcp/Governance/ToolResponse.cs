using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Governance;

/// <summary>What the agent gets back: the structured content and whether it is an error. The MCP edge turns it into a tool result.</summary>
public sealed record ToolResponse(bool IsError, JsonObject Structured)
{
    public static ToolResponse Error(Denial denial)
    {
        var error = new JsonObject { ["code"] = denial.Code, ["message"] = denial.Message };
        foreach (var (key, value) in denial.Extra.Where(e => e.Key is not ("code" or "message")))
        {
            error[key] = value?.DeepClone();
        }

        return new ToolResponse(true, new JsonObject { ["error"] = error });
    }

    /// <summary>
    /// The plain text for the content block: the JSON, or for a refusal its code and message
    /// (<c>budget_exceeded: refund of ...</c>), since clients that show the model text only drop <c>structuredContent</c>.
    /// </summary>
    public string Text => IsError && Structured["error"] is { } error && error["message"] is { } message
        ? $"{error["code"]?.GetValue<string>()}: {message.GetValue<string>()}"
        : Structured.ToJsonString();
}
