using Keybrake.Mcp.Manifests;
using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>tools/list shows exactly the role's tools, with schemas generated from its manifest.</summary>
public sealed class ToolListTests
{
    [Fact]
    public async Task Refund_role_sees_only_its_tools_with_manifest_limits_in_the_schema()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        var tools = (await mcp.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools.Keys.Order());
        var refund = tools["issue_refund"];
        var schema = refund.InputSchema;
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        var properties = schema.GetProperty("properties");
        Assert.Equal(20000, properties.GetProperty("amount").GetProperty("maximum").GetInt64());
        Assert.Equal(["requested_by_customer", "duplicate"], properties.GetProperty("reason").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(StripeIdFormat.Pattern, properties.GetProperty("payment_intent").GetProperty("pattern").GetString());
        Assert.Equal(StripeIdFormat.Pattern, properties.GetProperty("charge").GetProperty("pattern").GetString());
        Assert.Equal(64, properties.GetProperty("request_id").GetProperty("maxLength").GetInt32());
        Assert.True(refund.Annotations!.DestructiveHint);
        Assert.False(refund.Annotations.ReadOnlyHint);
        Assert.NotNull(refund.OutputSchema);

        var read = tools["get_payment_intent"];
        Assert.True(read.Annotations!.ReadOnlyHint);
        Assert.False(read.Annotations.DestructiveHint);
        Assert.Equal(JsonValueKind.Object, read.OutputSchema!.Value.GetProperty("properties").ValueKind);
    }

    [Fact]
    public async Task Plan_role_schema_lists_only_allowed_prices()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var tools = (await mcp.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(
            ["cancel_subscription", "change_plan", "extend_trial", "get_subscription", "list_prices", "pause_subscription",
             "preview_plan_change", "resume_subscription", "update_subscription_quantity"],
            tools.Keys.Order(StringComparer.Ordinal));
        var properties = tools["change_plan"].InputSchema.GetProperty("properties");
        Assert.Equal([world.PriceHobby, world.PriceTeam], properties.GetProperty("price").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["create_prorations", "none"], properties.GetProperty("proration_behavior").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["subscription", "price"], tools["change_plan"].InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Capture_role_has_no_tool_that_creates_a_payment_intent()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "capture-bot");
        var names = (await mcp.Client.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        Assert.Equal(["capture_payment_intent", "get_payment_intent"], names);
    }
}
