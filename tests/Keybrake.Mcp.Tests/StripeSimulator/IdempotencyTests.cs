using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class IdempotencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Same_key_and_parameters_replays_without_a_second_refund()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();
        var options = new RefundCreateOptions { PaymentIntent = pi, Amount = 250 };

        var first = await client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("idem-1"), Ct);
        var second = await client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("idem-1"), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.False(first.StripeResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["true"], second.StripeResponse.Headers.GetValues("Idempotent-Replayed"));
        Assert.Single(h.Sim.Account.GetRefunds());
        Assert.Equal(250, (long)h.Sim.Account.GetCharge(first.ChargeId)!["amount_refunded"]!);
        Assert.Equal([false, true], h.Sim.Requests.Select(r => r.Replayed));
        Assert.All(h.Sim.Requests, r => Assert.Equal("idem-1", r.IdempotencyKey));
    }

    [Fact]
    public async Task Same_key_with_different_parameters_is_idempotency_error()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();
        await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 100 }, SimulatorHarness.Key("idem-2"), Ct);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 200 }, SimulatorHarness.Key("idem-2"), Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("idempotency_error", e.StripeError.Type);
        Assert.StartsWith("Keys for idempotent requests can only be used with the same parameters they were first used with.", e.StripeError.Message);
        Assert.Single(h.Sim.Account.GetRefunds());
    }

    [Fact]
    public async Task Keys_are_scoped_to_their_api_key()
    {
        await using var h = await SimulatorHarness.StartAsync();
        h.Sim.RegisterKey("rk_test_otherRefunder000001", "refunds:write");
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var options = new RefundCreateOptions { PaymentIntent = pi, Amount = 100 };

        var a = await h.Client().V1.Refunds.CreateAsync(options, SimulatorHarness.Key("shared"), Ct);
        var b = await h.Client("rk_test_otherRefunder000001").V1.Refunds.CreateAsync(options, SimulatorHarness.Key("shared"), Ct);

        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task Validation_failures_are_not_saved()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();
        await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 5000 }, SimulatorHarness.Key("idem-3"), Ct));

        var refund = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 500 }, SimulatorHarness.Key("idem-3"), Ct);

        Assert.Equal(500, refund.Amount);
    }

    [Fact]
    public async Task Same_key_while_the_first_is_running_is_409()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        h.Sim.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromMilliseconds(800));
        var client = h.Client();
        var options = new RefundCreateOptions { PaymentIntent = pi, Amount = 100 };

        var slow = client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("idem-4"), Ct);
        await Task.Delay(300, Ct);
        var e = await Assert.ThrowsAsync<StripeException>(() => client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("idem-4"), Ct));
        var first = await slow;
        var replay = await client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("idem-4"), Ct);

        Assert.Equal(first.Id, replay.Id);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, e.HttpStatusCode);
        Assert.Equal(("idempotency_error", "idempotency_key_in_use"), (e.StripeError.Type, e.StripeError.Code));
    }
}
