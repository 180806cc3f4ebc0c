using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>Each tool's arguments record reads every argument its schema publishes (request_id is the governance's), and nothing else.</summary>
public sealed class ToolArgumentsTests
{
    [Theory]
    [MemberData(nameof(ShippedTools.ToolNames), MemberType = typeof(ShippedTools))]
    public void Every_published_argument_lands_in_the_tools_record(string tool)
    {
        var manifests = ShippedTools.Manifests();
        var operation = ShippedTools.Registry(manifests).Find(tool)!;
        // Unscoped, so that every argument is published (a customer scope replaces some, e.g. list_customers' email).
        var role = manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal).First() with { Customers = null };
        var schema = operation.InputSchema(role, new ToolGrant { MaxQuantity = 10 });
        var arguments = new JsonObject();
        foreach (var (name, property) in schema["properties"]!.AsObject().Where(p => p.Key != "request_id"))
        {
            arguments[name] = property!["type"]!.GetValue<string>() switch
            {
                "integer" => property["minimum"]?.DeepClone() ?? JsonValue.Create(1),
                "boolean" => JsonValue.Create(false),
                _ => JsonValue.Create(property["enum"]?[0]?.GetValue<string>() ?? $"x_{name}"),
            };
        }

        var parsed = operation.ParseArguments(arguments);

        Assert.IsNotType<JsonArguments>(parsed);
        var values = parsed.GetType().GetProperties().Where(p => p.Name != "EqualityContract").Select(p => p.GetValue(parsed)).ToList();
        Assert.Equal(arguments.Count, values.Count);
        Assert.All(values, Assert.NotNull);
    }
}
