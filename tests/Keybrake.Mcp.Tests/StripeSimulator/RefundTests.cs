using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class RefundTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Full_refund_by_payment_intent_refunds_the_whole_charge()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var customer = h.Sim.Account.AddCustomer(email: "a@example.com");
        var pi = h.Sim.Account.AddPaymentIntent(customer, 5000, "USD");

        var refund = await h.Client().V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Reason = "requested_by_customer" }, cancellationToken: Ct);

        Assert.StartsWith("re_", refund.Id);
        Assert.Equal(5000, refund.Amount);
        Assert.Equal("usd", refund.Currency);
        Assert.Equal("succeeded", refund.Status);
        Assert.Equal(pi, refund.PaymentIntentId);
        var charge = h.Sim.Account.GetCharge(refund.ChargeId)!;
        Assert.Equal(5000, (long)charge["amount_refunded"]!);
        Assert.True((bool)charge["refunded"]!);
    }

    [Fact]
    public async Task Partial_refunds_add_up_and_metadata_is_kept()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "eur");
        var client = h.Client();

        var first = await client.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = pi,
            Amount = 300,
            Metadata = new Dictionary<string, string> { ["keybrake_agent"] = "support-bot" },
        }, cancellationToken: Ct);
        var rest = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct);

        Assert.Equal("support-bot", first.Metadata["keybrake_agent"]);
        Assert.Equal(700, rest.Amount);
        var charge = await client.V1.Charges.GetAsync(first.ChargeId, cancellationToken: Ct);
        Assert.Equal(1000, charge.AmountRefunded);
        Assert.True(charge.Refunded);
        var listed = await client.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = pi }, cancellationToken: Ct);
        Assert.Equal([rest.Id, first.Id], listed.Data.Select(r => r.Id));
    }

    [Fact]
    public async Task Over_refund_is_amount_too_large_and_changes_nothing()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();
        await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 400 }, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 601 }, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("invalid_request_error", e.StripeError.Type);
        Assert.Equal("amount_too_large", e.StripeError.Code);
        Assert.Equal("amount", e.StripeError.Param);
        Assert.Equal("Refund amount ($6.01) is greater than unrefunded amount on charge ($6.00)", e.StripeError.Message);
        Assert.StartsWith("req_", e.StripeResponse.RequestId);
        Assert.Single(h.Sim.Account.GetRefunds());
    }

    [Fact]
    public async Task Refunding_a_fully_refunded_charge_is_charge_already_refunded()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();
        var refund = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { Charge = refund.ChargeId, Amount = 1 }, cancellationToken: Ct));

        Assert.Equal("charge_already_refunded", e.StripeError.Code);
        Assert.Equal($"Charge {refund.ChargeId} has already been refunded.", e.StripeError.Message);
    }

    [Fact]
    public async Task Refunding_an_uncaptured_payment_intent_is_rejected()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd", manualCapture: true);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            h.Client().V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("invalid_request_error", e.StripeError.Type);
        Assert.Empty(h.Sim.Account.GetRefunds());
    }

    [Fact]
    public async Task Unknown_payment_intent_is_resource_missing()
    {
        await using var h = await SimulatorHarness.StartAsync();

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            h.Client().V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = "pi_nope" }, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("resource_missing", e.StripeError.Code);
        Assert.Equal("No such payment_intent: 'pi_nope'", e.StripeError.Message);
        Assert.Equal("payment_intent", e.StripeError.Param);
    }

    [Fact]
    public async Task Concurrent_refunds_never_exceed_the_charge()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var client = h.Client();

        var attempts = Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 300 }, cancellationToken: Ct);
                return true;
            }
            catch (StripeException)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);

        Assert.Equal(3, results.Count(ok => ok));
        Assert.Equal(900, h.Sim.Account.GetRefunds().Sum(r => (long)r["amount"]!));
    }
}
