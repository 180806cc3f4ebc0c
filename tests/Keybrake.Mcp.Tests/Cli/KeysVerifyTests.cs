using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>
/// <c>keys verify ROLE</c>, the seed's "test mode first, then promote" done for the operator: against the simulator's
/// restricted keys, a key exactly as planned passes; broader, narrower and full secret keys fail, naming the resources.
/// </summary>
public sealed class KeysVerifyTests
{
    private static async Task<(int Code, string Out, string Err)> VerifyAsync(StripeWorld world, string key)
    {
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = key };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(["keys", "verify", "support-refunds"], n => env.GetValueOrDefault(n), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string Row(string output, string resource) => output.Split('\n').Single(l => l.StartsWith(resource + " ", StringComparison.Ordinal));

    [Fact]
    public async Task A_key_exactly_as_planned_passes_and_every_probe_changed_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");

        var (code, output, error) = await VerifyAsync(world, StripeWorld.RefundKey);

        Assert.True(code == 0, output + error);
        Assert.Contains("ok: the key in KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS can do exactly what role 'support-refunds' needs", output);
        Assert.Matches(@"^refunds\s+write\s+allowed\s+allowed\s+ok", Row(output, "refunds"));
        Assert.Matches(@"^charges\s+read\s+allowed\s+refused\s+ok", Row(output, "charges"));
        Assert.Matches(@"^subscriptions\s+none\s+refused\s+refused\s+ok", Row(output, "subscriptions"));
        Assert.Empty(world.Stripe.Account.GetRefunds());
        Assert.Equal("succeeded", (string?)world.Stripe.Account.GetPaymentIntent(intent)!["status"]);
    }

    [Fact]
    public async Task A_key_that_can_also_write_payment_intents_is_broader_and_fails()
    {
        await using var world = await StripeWorld.StartAsync();
        const string broad = "rk_test_TooBroadRefundKey00000000001";
        world.Stripe.RegisterKey(broad, "charges:read", "customers:read", "payment_intents:write", "refunds:write");

        var (code, output, error) = await VerifyAsync(world, broad);

        Assert.Equal(1, code);
        Assert.Matches(@"^payment_intents\s+read\s+allowed\s+allowed\s+extra write", Row(output, "payment_intents"));
        Assert.Contains("the key is broader than role 'support-refunds' needs (payment_intents)", error);
    }

    [Fact]
    public async Task A_key_missing_a_permission_is_narrower_and_fails()
    {
        await using var world = await StripeWorld.StartAsync();
        const string narrow = "rk_test_TooNarrowRefundKey0000000001";
        world.Stripe.RegisterKey(narrow, "charges:read", "customers:read", "payment_intents:read", "refunds:read");

        var (code, output, error) = await VerifyAsync(world, narrow);

        Assert.Equal(1, code);
        Assert.Matches(@"^refunds\s+write\s+allowed\s+refused\s+missing write", Row(output, "refunds"));
        Assert.Contains("the key lacks what role 'support-refunds' needs (refunds)", error);
    }

    [Fact]
    public async Task A_full_secret_key_is_broader_than_any_plan()
    {
        await using var world = await StripeWorld.StartAsync();
        const string secret = "sk_test_FullSecretKey000000000000001";
        world.Stripe.RegisterKey(secret, "*");
        world.EditManifest("support-refunds", m => m["stripe"]!["allowSecretKey"] = true);

        var (code, output, error) = await VerifyAsync(world, secret);

        Assert.Equal(1, code);
        Assert.Matches(@"^subscriptions\s+none\s+allowed\s+allowed\s+extra read", Row(output, "subscriptions"));
        Assert.Contains("broader", error);
        Assert.DoesNotContain(secret, output + error);
    }

    [Fact]
    public async Task An_unknown_key_is_said_plainly()
    {
        await using var world = await StripeWorld.StartAsync();

        var (code, _, error) = await VerifyAsync(world, "rk_test_NotAKeyStripeKnows0000000001");

        Assert.Equal(1, code);
        Assert.Contains("Stripe does not accept the key in KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", error);
        Assert.DoesNotContain("NotAKeyStripeKnows", error);
    }
}
