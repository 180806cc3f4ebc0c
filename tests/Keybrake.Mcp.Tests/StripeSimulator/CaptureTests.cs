using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class CaptureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Partial_capture_releases_the_rest_and_limits_refunds()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd", manualCapture: true);
        var client = h.Client();
        var before = await client.V1.PaymentIntents.GetAsync(pi, cancellationToken: Ct);
        Assert.Equal("requires_capture", before.Status);
        Assert.Equal(1000, before.AmountCapturable);

        var captured = await client.V1.PaymentIntents.CaptureAsync(pi, new PaymentIntentCaptureOptions { AmountToCapture = 600 }, cancellationToken: Ct);

        Assert.Equal("succeeded", captured.Status);
        Assert.Equal(600, captured.AmountReceived);
        Assert.Equal(0, captured.AmountCapturable);
        var charge = await client.V1.Charges.GetAsync(captured.LatestChargeId, cancellationToken: Ct);
        Assert.True(charge.Captured);
        Assert.Equal(600, charge.AmountCaptured);
        Assert.Equal(400, charge.AmountRefunded);
        var e = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi, Amount = 601 }, cancellationToken: Ct));
        Assert.Equal("amount_too_large", e.StripeError.Code);
        var refund = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct);
        Assert.Equal(600, refund.Amount);
    }

    [Fact]
    public async Task Capturing_more_than_capturable_is_amount_too_large()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd", manualCapture: true);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            h.Client().V1.PaymentIntents.CaptureAsync(pi, new PaymentIntentCaptureOptions { AmountToCapture = 1001 }, cancellationToken: Ct));

        Assert.Equal("amount_too_large", e.StripeError.Code);
        Assert.Equal("amount_to_capture", e.StripeError.Param);
        Assert.Equal("requires_capture", (string?)h.Sim.Account.GetPaymentIntent(pi)!["status"]);
    }

    [Fact]
    public async Task Capturing_a_succeeded_intent_is_unexpected_state()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            h.Client().V1.PaymentIntents.CaptureAsync(pi, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("payment_intent_unexpected_state", e.StripeError.Code);
        Assert.Equal(pi, e.StripeError.PaymentIntent?.Id);
    }
}
