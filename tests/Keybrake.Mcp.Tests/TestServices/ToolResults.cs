using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Reads of MCP tool results in assertions.</summary>
public static class ToolResults
{
    public static JsonElement Structured(this CallToolResult result) =>
        result.StructuredContent ?? throw new Xunit.Sdk.XunitException("the tool result has no structuredContent");

    public static string? ErrorCode(this CallToolResult result) =>
        result.IsError == true ? result.Structured().GetProperty("error").GetProperty("code").GetString() : null;

    public static string ErrorMessage(this CallToolResult result) =>
        result.Structured().GetProperty("error").GetProperty("message").GetString() ?? "";

    public static string Text(this CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static void AssertSuccess(this CallToolResult result) =>
        Assert.False(result.IsError == true, $"expected success, got: {result.Text()}");
}
