using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

/// <summary>
/// The simulator bills subscription changes as Stripe's API reference describes (classic billing mode), through Stripe.net:
/// what the tools' money tests rely on.
/// </summary>
public sealed class SubscriptionBillingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(SimulatorHarness H, string Customer, string Monthly, string Pricier, string Yearly, string Subscription, string Item);

    private static async Task<World> WorldAsync(SimulatorHarness h, long quantity = 1, string status = "active")
    {
        var account = h.Sim.Account;
        var customer = account.AddCustomer();
        var monthly = account.AddPrice(1000, "usd", nickname: "Basic");
        var pricier = account.AddPrice(3000, "usd", nickname: "Pro");
        var yearly = account.AddPrice(10000, "usd", interval: "year", nickname: "Basic yearly");
        var subscription = account.AddSubscription(customer, monthly, quantity, status: status);
        var item = (await h.Client().V1.Subscriptions.GetAsync(subscription, cancellationToken: Ct)).Items.Data[0].Id;
        return new World(h, customer, monthly, pricier, yearly, subscription, item);
    }

    private static Task<Subscription> UpdateAsync(World w, string price, string behavior, long? prorationDate = null, string? key = null, string? paymentBehavior = null) =>
        w.H.Client().V1.Subscriptions.UpdateAsync(w.Subscription, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = w.Item, Price = price }],
            ProrationBehavior = behavior,
            ProrationDate = prorationDate is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : null,
            PaymentBehavior = paymentBehavior,
            Metadata = new Dictionary<string, string> { ["keybrake_call"] = "call_1" },
            Expand = ["latest_invoice"],
        }, key is null ? null : SimulatorHarness.Key(key), Ct);

    private static Task<Invoice> PreviewAsync(World w, string price, string behavior, long? prorationDate) =>
        w.H.Client().V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Subscription = w.Subscription,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = w.Item, Price = price }],
                ProrationBehavior = behavior,
                ProrationDate = prorationDate is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : null,
            },
        }, cancellationToken: Ct);

    [Fact]
    public async Task Always_invoice_creates_collects_and_links_the_invoice_exactly_as_previewed()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var preview = await PreviewAsync(w, w.Pricier, "always_invoice", at);
        var updated = await UpdateAsync(w, w.Pricier, "always_invoice", at);

        var invoice = updated.LatestInvoice;
        Assert.NotNull(invoice);
        Assert.Equal(("paid", "subscription_update"), (invoice.Status, invoice.BillingReason));
        Assert.Equal(preview.AmountDue, invoice.AmountPaid);
        Assert.InRange(invoice.AmountPaid, 1990, 2000);
        Assert.All(invoice.Lines.Data, l => Assert.True(l.Parent.SubscriptionItemDetails.Proration));
        Assert.Equal("call_1", invoice.Parent.SubscriptionDetails.Metadata["keybrake_call"]);
        Assert.Equal(w.Subscription, invoice.Parent.SubscriptionDetails.SubscriptionId);
    }

    [Fact]
    public async Task Create_prorations_in_the_same_interval_invoices_nothing_now_and_none_bills_nothing_at_all()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);

        var prorated = await UpdateAsync(w, w.Pricier, "create_prorations");
        Assert.Null(prorated.LatestInvoiceId);
        // The next regular invoice carries the proration along with the next period.
        var next = await PreviewAsync(w, w.Pricier, "create_prorations", null);
        Assert.Contains(next.Lines.Data, l => l.Parent.SubscriptionItemDetails.Proration && l.Amount > 0);

        await UpdateAsync(w, w.Monthly, "none");
        Assert.Empty(h.Sim.Account.GetInvoices());
    }

    [Theory]
    [InlineData("none", 10000)]
    [InlineData("create_prorations", 9000)]
    public async Task Another_billing_interval_restarts_the_cycle_and_invoices_the_new_period_now(string behavior, long about)
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);
        var at = behavior == "none" ? (long?)null : DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var preview = await PreviewAsync(w, w.Yearly, behavior, at);
        var updated = await UpdateAsync(w, w.Yearly, behavior, at);

        Assert.Equal(preview.AmountDue, updated.LatestInvoice.AmountPaid);
        // The year, less the unused month unless proration is off.
        Assert.InRange(updated.LatestInvoice.AmountPaid, about, about + 10);
        var item = updated.Items.Data[0];
        Assert.True(item.CurrentPeriodEnd - item.CurrentPeriodStart > TimeSpan.FromDays(360));
    }

    [Fact]
    public async Task A_declined_card_with_error_if_incomplete_is_a_402_that_changes_nothing()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);
        h.Sim.Account.SetDefaultPaymentMethod(w.Customer, h.Sim.Account.AddPaymentMethod(w.Customer, last4: "0341"));

        var e = await Assert.ThrowsAsync<StripeException>(() => UpdateAsync(w, w.Pricier, "always_invoice", paymentBehavior: "error_if_incomplete"));

        Assert.Equal((System.Net.HttpStatusCode.PaymentRequired, "card_declined"), (e.HttpStatusCode, e.StripeError.Code));
        Assert.Equal(w.Monthly, (string?)h.Sim.Account.GetSubscription(w.Subscription)!["items"]!["data"]![0]!["price"]!["id"]);
        Assert.Empty(h.Sim.Account.GetInvoices());

        // allow_incomplete (Stripe's default): the change stands, the invoice stays open and the subscription is past due.
        var allowed = await UpdateAsync(w, w.Pricier, "always_invoice");
        Assert.Equal(("past_due", "open", 0L), (allowed.Status, allowed.LatestInvoice.Status, allowed.LatestInvoice.AmountPaid));
    }

    [Fact]
    public async Task The_answer_to_a_key_is_replayed_with_the_invoice_as_it_was()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);

        var first = await UpdateAsync(w, w.Pricier, "always_invoice", key: "change-1");
        var again = await UpdateAsync(w, w.Pricier, "always_invoice", key: "change-1");

        Assert.Equal(first.LatestInvoice.Id, again.LatestInvoice.Id);
        Assert.Equal(first.LatestInvoice.AmountPaid, again.LatestInvoice.AmountPaid);
        Assert.Single(h.Sim.Account.GetInvoices());
    }

    [Fact]
    public async Task Resuming_a_paused_subscription_invoices_a_new_period_and_charges_it_when_asked()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h, quantity: 3, status: "paused");
        var client = h.Client();

        var preview = await client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Subscription = w.Subscription,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions { ResumeAt = "now" },
        }, cancellationToken: Ct);
        var resumed = await client.V1.Subscriptions.ResumeAsync(w.Subscription, new SubscriptionResumeOptions
        {
            PaymentBehavior = "resume_on_payment_success",
            Expand = ["latest_invoice"],
        }, cancellationToken: Ct);

        Assert.Equal(3000, preview.AmountDue);
        Assert.Equal(("active", "paid", 3000L), (resumed.Status, resumed.LatestInvoice.Status, resumed.LatestInvoice.AmountPaid));
    }

    [Fact]
    public async Task Resuming_without_asking_for_payment_leaves_the_invoice_open_and_the_subscription_paused()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h, status: "paused");

        var resumed = await h.Client().V1.Subscriptions.ResumeAsync(w.Subscription, new SubscriptionResumeOptions { Expand = ["latest_invoice"] }, cancellationToken: Ct);

        Assert.Equal(("paused", "open"), (resumed.Status, resumed.LatestInvoice.Status));
    }

    [Fact]
    public async Task Customer_credit_is_applied_before_charging_and_a_downgrade_credits_the_balance()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var w = await WorldAsync(h);
        h.Sim.Account.SetBalance(w.Customer, -500);

        var up = await UpdateAsync(w, w.Pricier, "always_invoice");
        Assert.Equal(up.LatestInvoice.Total - 500, up.LatestInvoice.AmountPaid);
        Assert.Equal(0, (long)h.Sim.Account.GetCustomer(w.Customer)!["balance"]!);

        var down = await UpdateAsync(w, w.Monthly, "always_invoice");
        Assert.Equal((0L, "paid"), (down.LatestInvoice.AmountPaid, down.LatestInvoice.Status));
        Assert.True((long)h.Sim.Account.GetCustomer(w.Customer)!["balance"]! < 0);
    }
}
