using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unknown_key_is_401_with_a_masked_key()
    {
        await using var h = await SimulatorHarness.StartAsync();
        const string key = "rk_test_unregisteredKey9abcd";

        var e = await Assert.ThrowsAsync<StripeException>(() => h.Client(key).V1.Customers.ListAsync(cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, e.HttpStatusCode);
        Assert.Equal("invalid_request_error", e.StripeError.Type);
        Assert.Equal("Invalid API Key provided: rk_test_****abcd", e.StripeError.Message);
        Assert.DoesNotContain(key, e.StripeResponse.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_permission_is_403_naming_the_rak_permission()
    {
        await using var h = await SimulatorHarness.StartAsync();
        const string key = "rk_test_readOnlyRefunds00wxyz";
        h.Sim.RegisterKey(key, "refunds:read", "payment_intents:read");
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client(key);

        await client.V1.PaymentIntents.GetAsync(pi, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.HttpStatusCode);
        Assert.Equal("invalid_request_error", e.StripeError.Type);
        Assert.Equal(
            "The provided key 'rk_test_****wxyz' does not have the required permissions for this endpoint on account 'acct_1Simulated'. Having the 'rak_refund_write' permission would allow this request to continue.",
            e.StripeError.Message);
        Assert.DoesNotContain(key, e.StripeResponse.Content, StringComparison.Ordinal);
        Assert.Empty(h.Sim.Account.GetRefunds());
        Assert.All(h.Sim.Requests, r => Assert.DoesNotContain(key, string.Join(",", r.Form.Values), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_permission_implies_read_and_revoked_keys_fail()
    {
        await using var h = await SimulatorHarness.StartAsync();
        const string key = "rk_test_subscriptionWriter0001";
        h.Sim.RegisterKey(key, "subscriptions:write");
        var account = h.Sim.Account;
        var sub = account.AddSubscription(account.AddCustomer(), account.AddPrice(100, "usd"));
        var client = h.Client(key);

        Assert.Equal(sub, (await client.V1.Subscriptions.GetAsync(sub, cancellationToken: Ct)).Id);
        var e = await Assert.ThrowsAsync<StripeException>(() => client.V1.Prices.ListAsync(cancellationToken: Ct));
        Assert.Contains("'rak_price_read'", e.StripeError.Message, StringComparison.Ordinal);

        h.Sim.RevokeKey(key);
        var revoked = await Assert.ThrowsAsync<StripeException>(() => client.V1.Subscriptions.GetAsync(sub, cancellationToken: Ct));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, revoked.HttpStatusCode);
    }
}
