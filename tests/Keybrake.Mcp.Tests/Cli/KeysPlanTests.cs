using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Stripe.Tools;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary><c>keys plan</c> prints the minimum key the shipped roles need: the seed's exact scopes where they are minimal.</summary>
[Trait("Category", "Process")]
public sealed class KeysPlanTests
{
    [Theory]
    [InlineData("support-refunds", "charges:read,customers:read,payment_intents:read,refunds:write")]
    [InlineData("payment-capture", "charges:read,customers:read,payment_intents:write")]
    [InlineData("analytics-readonly", "charges:read,customers:read,invoices:read,payment_intents:read,refunds:read,subscriptions:read")]
    public async Task Plans_the_seed_scopes_for_the_shipped_roles(string role, string permissions)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(["keys", "plan", role, "--manifests", Path.Combine(BuiltTool.RepoRoot, "tool-manifests")], _ => null, output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("stripe restricted_keys create", output.ToString());
        Assert.Contains($"--permissions {permissions}\n", output.ToString().Replace("\r", ""));
    }

    [Fact]
    public void Every_tool_declares_the_permissions_it_needs()
    {
        Assert.All(StripeTools.Declarations, tool => Assert.NotEmpty(tool.StripePermissions));
        Assert.All(StripeTools.Declarations.Where(t => t.Effect != ToolEffect.Read),
            tool => Assert.Contains(tool.StripePermissions, p => p.EndsWith(":write", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Unknown_role_exits_1()
    {
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(["keys", "plan", "nope", "--manifests", Path.Combine(BuiltTool.RepoRoot, "tool-manifests")], _ => null, new StringWriter(), error);
        Assert.Equal(1, code);
        Assert.Contains("'nope' has no manifest", error.ToString());
    }

    [Fact]
    public async Task Serve_warns_at_start_when_the_key_lacks_a_permission_and_points_at_keys_plan()
    {
        await using var world = await StripeWorld.StartAsync();
        world.Stripe.RegisterKey(StripeWorld.RefundKey, "customers:read", "payment_intents:read", "refunds:write");
        await using var server = await BuiltTool.ServeAsync("refund-bot", world.Environment());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!server.Stderr.Contains("rak_charge_read") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("rak_charge_read", server.Stderr);
        Assert.Contains("keybrake-mcp keys plan support-refunds", server.Stderr);
        Assert.DoesNotContain(StripeWorld.RefundKey, server.Stderr);
    }
}
