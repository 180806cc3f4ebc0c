using System.Text;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>The role's key never appears in logs, tool results, errors or the ledger file.</summary>
public sealed class SecretHygieneTests
{
    [Fact]
    public async Task Key_never_appears_in_logs_results_or_the_database()
    {
        await using var world = await StripeWorld.StartAsync();
        var inScope = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var outside = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 5000, "usd");
        var results = new List<string>();
        await using (var mcp = await McpHarness.StartAsync(world, "refund-bot"))
        {
            results.Add((await mcp.CallAsync("issue_refund", new { payment_intent = inScope, amount = 100 })).Text());
            results.Add((await mcp.CallAsync("issue_refund", new { payment_intent = outside, amount = 100 })).Text());
            results.Add((await mcp.CallAsync("get_payment_intent", new { payment_intent = "pi_doesnotexist" })).Text());
            world.Stripe.RevokeKey(StripeWorld.RefundKey); // every call now gets Stripe's 401, which names a masked key
            results.Add((await mcp.CallAsync("issue_refund", new { payment_intent = inScope, amount = 200 })).Text());
            Assert.Contains("[redacted key]", results[^1]);

            var logs = mcp.Logs.All;
            Assert.NotEmpty(logs);
            Assert.DoesNotContain(StripeWorld.RefundKey, logs);
            Assert.DoesNotContain("rk_test_", logs);
        }

        Assert.All(results, r => Assert.DoesNotContain("rk_test_", r));
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(world.DatabasePath)!, "keybrake.db*"))
        {
            var bytes = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file));
            Assert.DoesNotContain(StripeWorld.RefundKey, bytes);
            Assert.DoesNotContain("rk_test_", bytes);
        }
    }
}
