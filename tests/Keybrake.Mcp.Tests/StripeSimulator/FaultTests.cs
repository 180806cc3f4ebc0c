using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commit_then_drop_fails_the_client_but_the_refund_exists()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        var fault = h.Sim.Faults.CommitThenDrop("POST", "/v1/refunds");
        var options = new RefundCreateOptions { PaymentIntent = pi, Amount = 400 };

        var e = await Record.ExceptionAsync(() => h.Client().V1.Refunds.CreateAsync(options, SimulatorHarness.Key("lost-1"), Ct));

        Assert.NotNull(e);
        Assert.IsNotType<StripeException>(e);
        Assert.Equal(0, fault.Remaining);
        var refund = Assert.Single(h.Sim.Account.GetRefunds());
        Assert.Equal(400, (long)refund["amount"]!);
        Assert.Equal(0, h.Sim.Requests.Single().Status);

        // A retry with the same key learns the committed outcome instead of refunding twice.
        var retried = await h.Client().V1.Refunds.CreateAsync(options, SimulatorHarness.Key("lost-1"), Ct);
        Assert.Equal((string)refund["id"]!, retried.Id);
        Assert.Single(h.Sim.Account.GetRefunds());
    }

    [Fact]
    public async Task Sdk_retries_after_a_dropped_response_and_gets_the_replay()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        h.Sim.Faults.CommitThenDrop("POST", "/v1/refunds");

        var refund = await h.Client(retries: 2).V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct);

        Assert.Equal(1000, refund.Amount);
        Assert.Single(h.Sim.Account.GetRefunds());
        Assert.Equal([false, true], h.Sim.Requests.Select(r => r.Replayed));
    }

    [Fact]
    public async Task Status_fault_is_returned_and_nothing_is_applied()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        h.Sim.Faults.Status("POST", "/v1/refunds", 500, "api_error");
        h.Sim.Faults.Status("POST", "/v1/refunds", 429, "invalid_request_error", "rate_limit");
        var client = h.Client();
        var options = new RefundCreateOptions { PaymentIntent = pi };

        var server = await Assert.ThrowsAsync<StripeException>(() => client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("k"), Ct));
        var limited = await Assert.ThrowsAsync<StripeException>(() => client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("k"), Ct));
        Assert.Empty(h.Sim.Account.GetRefunds());
        var refund = await client.V1.Refunds.CreateAsync(options, SimulatorHarness.Key("k"), Ct);

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, server.HttpStatusCode);
        Assert.Equal("api_error", server.StripeError.Type);
        Assert.Equal((System.Net.HttpStatusCode)429, limited.HttpStatusCode);
        Assert.Equal("rate_limit", limited.StripeError.Code);
        Assert.Equal(1000, refund.Amount);
        Assert.Empty(h.Sim.Faults.Pending);
    }

    [Fact]
    public async Task Sdk_retries_a_500_with_the_same_key()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd", manualCapture: true);
        h.Sim.Faults.Status("POST", "/v1/payment_intents/", 500, "api_error");

        var captured = await h.Client(retries: 1).V1.PaymentIntents.CaptureAsync(pi, cancellationToken: Ct);

        Assert.Equal("succeeded", captured.Status);
        var requests = h.Sim.Requests;
        Assert.Equal([500, 200], requests.Select(r => r.Status));
        Assert.Equal(requests[0].IdempotencyKey, requests[1].IdempotencyKey);
    }

    [Fact]
    public async Task Delay_past_the_client_timeout_still_applies_the_change()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");
        h.Sim.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromSeconds(1));
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = SimulatorHarness.SecretKey,
            ApiBase = h.Sim.BaseUrl.ToString(),
            HttpClient = new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) }, maxNetworkRetries: 0),
        });

        await Assert.ThrowsAnyAsync<Exception>(() => client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = pi }, cancellationToken: Ct));

        // Applied once the delay is over, though nobody waits for the answer (polled: a loaded machine may take longer).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (h.Sim.Account.GetRefunds().Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Single(h.Sim.Account.GetRefunds());
    }
}
