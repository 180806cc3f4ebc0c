using Keybrake.Mcp.Governance;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Short reads of a tool response in assertions.</summary>
public static class ResponseExtensions
{
    public static string? Code(this ToolResponse response) => response.Structured["error"]?["code"]?.GetValue<string>();

    public static string Message(this ToolResponse response) => response.Structured["error"]?["message"]?.GetValue<string>() ?? "";
}
