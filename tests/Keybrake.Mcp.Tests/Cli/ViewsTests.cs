using System.Text.Json;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>The operator's views: spend with a bar, audit filters and CSV, and the agents list.</summary>
public sealed class ViewsTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(StripeWorld world, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(args, n => world.Env(n), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<StripeWorld> WorldWithHistoryAsync()
    {
        var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 50000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 12500, ticket = "=HYPERLINK(\"x\")" })).AssertSuccess();
        await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 99999 });
        (await mcp.CallAsync("get_customer", new { customer = world.CustomerA })).AssertSuccess();
        return world;
    }

    [Fact]
    public async Task Spend_shows_used_of_limit_held_remaining_and_a_bar()
    {
        await using var world = await WorldWithHistoryAsync();
        var (code, output, _) = await RunAsync(world, "spend", "--agent", "refund-bot");
        Assert.Equal(0, code);
        var line = output.Split('\n').Single(l => l.StartsWith("support-refunds  refund-bot ", StringComparison.Ordinal));
        Assert.Contains("125.00 / 500.00 USD", line);
        Assert.Contains("375.00 USD", line);
        Assert.Contains("[###.......]  25%", line);
    }

    [Fact]
    public async Task Audit_filters_by_tool_outcome_and_time_and_exports_csv()
    {
        await using var world = await WorldWithHistoryAsync();
        var denied = await RunAsync(world, "audit", "--outcome", "denied", "--json");
        var rows = denied.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("invalid_arguments", Assert.Single(rows).GetProperty("code").GetString());

        var reads = await RunAsync(world, "audit", "--tool", "get_customer", "--json");
        Assert.Single(reads.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var none = await RunAsync(world, "audit", "--until", "1h", "--json");
        Assert.Equal("", none.Out);

        var csv = await RunAsync(world, "audit", "--csv", "--tool", "issue_refund");
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,time,agent,role,tool,outcome,code,amount,currency", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(",allowed,,12500,usd,", lines[1]);
        Assert.DoesNotContain(",=HYPERLINK", lines[1]);
        Assert.Equal(2, (await RunAsync(world, "audit", "--csv", "--json")).Code);
    }

    [Fact]
    public async Task Agents_lists_role_status_last_call_and_recent_spend()
    {
        await using var world = await WorldWithHistoryAsync();
        Assert.Equal(0, (await RunAsync(world, "revoke", "--role", "payment-capture", "--reason", "incident")).Code);
        var (code, output, _) = await RunAsync(world, "agents", "--json");
        Assert.Equal(0, code);
        var agents = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(a => a.GetProperty("agent").GetString()!);
        Assert.Equal("active", agents["refund-bot"].GetProperty("status").GetString());
        Assert.Equal(12500, agents["refund-bot"].GetProperty("spend_24h").GetProperty("usd").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, agents["refund-bot"].GetProperty("last_call").ValueKind);
        Assert.Equal("revoked", agents["capture-bot"].GetProperty("status").GetString());
        Assert.Equal("role:payment-capture", agents["capture-bot"].GetProperty("revoked_by_scope").GetString());
        Assert.Equal(JsonValueKind.Null, agents["plan-bot"].GetProperty("last_call").ValueKind);

        var table = await RunAsync(world, "agents");
        Assert.Contains("revoked (role:payment-capture: incident)", table.Out);
        Assert.Contains("125.00 USD", table.Out);
    }

    [Fact]
    public async Task Kill_switch_revokes_every_agent_and_reinstate_undoes_it()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        Assert.Equal(0, (await RunAsync(world, "revoke", "--all", "--reason", "incident")).Code);
        Assert.Equal("revoked", (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 100 })).ErrorCode());
        Assert.Equal(0, (await RunAsync(world, "reinstate", "--all")).Code);
        (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 100 })).AssertSuccess();
    }
}
