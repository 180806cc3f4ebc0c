using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

public sealed class SubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Changing_the_item_price_keeps_the_item_and_embeds_the_new_price()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var customer = account.AddCustomer();
        var basic = account.AddPrice(1000, "usd", nickname: "Basic");
        var pro = account.AddPrice(3000, "usd", nickname: "Pro");
        var subId = account.AddSubscription(customer, basic, quantity: 2);
        var client = h.Client();
        var sub = await client.V1.Subscriptions.GetAsync(subId, cancellationToken: Ct);
        var item = Assert.Single(sub.Items.Data);
        Assert.True(item.CurrentPeriodEnd > item.CurrentPeriodStart);

        var updated = await client.V1.Subscriptions.UpdateAsync(subId, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = pro }],
            ProrationBehavior = "none",
            Metadata = new Dictionary<string, string> { ["changed_by"] = "agent" },
        }, cancellationToken: Ct);

        var changed = Assert.Single(updated.Items.Data);
        Assert.Equal(item.Id, changed.Id);
        Assert.Equal(pro, changed.Price.Id);
        Assert.Equal(3000, changed.Price.UnitAmount);
        Assert.Equal(2, changed.Quantity);
        Assert.Equal("agent", updated.Metadata["changed_by"]);
        Assert.Equal(customer, updated.CustomerId);
        Assert.Equal("active", updated.Status);
    }

    [Fact]
    public async Task Unknown_price_is_resource_missing_on_the_item_param()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var subId = account.AddSubscription(account.AddCustomer(), account.AddPrice(1000, "usd"));
        var itemId = (string)account.GetSubscription(subId)!["items"]!["data"]![0]!["id"]!;

        var e = await Assert.ThrowsAsync<StripeException>(() => h.Client().V1.Subscriptions.UpdateAsync(subId, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = itemId, Price = "price_missing" }],
        }, cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
        Assert.Equal("resource_missing", e.StripeError.Code);
        Assert.Equal("items[0][price]", e.StripeError.Param);
        Assert.Equal("No such price: 'price_missing'", e.StripeError.Message);
    }

    [Fact]
    public async Task Pause_trial_cancel_and_list_filters()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var alice = account.AddCustomer();
        var bob = account.AddCustomer();
        var price = account.AddPrice(1000, "usd");
        var other = account.AddPrice(500, "usd", "year");
        var a1 = account.AddSubscription(alice, price);
        var a2 = account.AddSubscription(alice, other);
        account.AddSubscription(bob, price);
        var client = h.Client();

        var paused = await client.V1.Subscriptions.UpdateAsync(a1, new SubscriptionUpdateOptions
        {
            PauseCollection = new SubscriptionPauseCollectionOptions { Behavior = "void" },
        }, cancellationToken: Ct);
        Assert.Equal("void", paused.PauseCollection.Behavior);
        var trialEnd = DateTime.UtcNow.AddDays(14);
        var trialing = await client.V1.Subscriptions.UpdateAsync(a1, new SubscriptionUpdateOptions { TrialEnd = trialEnd }, cancellationToken: Ct);
        Assert.Equal("trialing", trialing.Status);
        var canceled = await client.V1.Subscriptions.CancelAsync(a2, cancellationToken: Ct);
        Assert.Equal("canceled", canceled.Status);
        Assert.NotNull(canceled.CanceledAt);

        var alices = await client.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = alice }, cancellationToken: Ct);
        Assert.Equal([a1], alices.Data.Select(s => s.Id));
        var all = await client.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = alice, Status = "all" }, cancellationToken: Ct);
        Assert.Equal(2, all.Data.Count);
        var byPrice = await client.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Price = price }, cancellationToken: Ct);
        Assert.Equal(2, byPrice.Data.Count);
        var e = await Assert.ThrowsAsync<StripeException>(() => client.V1.Subscriptions.ResumeAsync(a1, cancellationToken: Ct));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.HttpStatusCode);
    }

    [Theory]
    [InlineData("none", 3000, 0, 1)]
    [InlineData("always_invoice", 2000, 2000, 2)]
    [InlineData("create_prorations", 5000, 2000, 3)]
    public async Task Preview_of_a_price_change_prorates_as_asked(string behavior, long amountDue, long prorated, int lines)
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var customer = account.AddCustomer();
        var basic = account.AddPrice(1000, "usd", nickname: "Basic");
        var pro = account.AddPrice(3000, "usd", nickname: "Pro");
        var subId = account.AddSubscription(customer, basic);
        var client = h.Client();
        var item = (await client.V1.Subscriptions.GetAsync(subId, cancellationToken: Ct)).Items.Data[0];

        var preview = await client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Subscription = subId,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = item.Id, Price = pro }],
                ProrationBehavior = behavior,
                // The period's first second: the whole difference is prorated.
                ProrationDate = item.CurrentPeriodStart,
            },
        }, cancellationToken: Ct);

        Assert.Equal(amountDue, preview.AmountDue);
        Assert.Equal(lines, preview.Lines.Data.Count);
        Assert.Equal(prorated, preview.Lines.Data.Where(l => l.Parent.SubscriptionItemDetails.Proration).Sum(l => l.Amount));
        Assert.Equal(basic, (await client.V1.Subscriptions.GetAsync(subId, cancellationToken: Ct)).Items.Data[0].Price.Id);
    }
}
