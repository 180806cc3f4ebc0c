using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Stripe;
using Xunit;

namespace Keybrake.Mcp.Tests.StripeSimulator;

/// <summary>Every endpoint's JSON must deserialize through Stripe.net, which rejects nulls in non-nullable fields.</summary>
public sealed class ResponseShapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_read_endpoint_deserializes_through_stripe_net()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var customer = account.AddCustomer(email: "c@example.com", name: "C");
        var pm = account.AddPaymentMethod(customer, "mastercard", "4444");
        var auto = account.AddPaymentIntent(customer, 1500, "usd");
        var manual = account.AddPaymentIntent(customer, 2500, "usd", manualCapture: true);
        var price = account.AddPrice(1200, "usd", nickname: "Monthly");
        var oneTime = account.AddPrice(5000, "usd", interval: null);
        var sub = account.AddSubscription(customer, price);
        var invoice = account.AddInvoice(customer, 1200, "usd", subscription: sub);
        var draft = account.AddInvoice(customer, 300, "usd", status: "draft");
        var v1 = h.Client().V1;

        var c = await v1.Customers.GetAsync(customer, cancellationToken: Ct);
        Assert.Equal("c@example.com", c.Email);
        Assert.Empty(c.Metadata);
        Assert.False(c.Livemode);
        var pi = await v1.PaymentIntents.GetAsync(auto, new PaymentIntentGetOptions { Expand = ["latest_charge"] }, cancellationToken: Ct);
        Assert.Equal(1500, pi.LatestCharge.Amount);
        Assert.Equal(1500, pi.AmountReceived);
        Assert.Equal("automatic", pi.CaptureMethod);
        var uncaptured = await v1.PaymentIntents.GetAsync(manual, cancellationToken: Ct);
        var authCharge = await v1.Charges.GetAsync(uncaptured.LatestChargeId, cancellationToken: Ct);
        Assert.False(authCharge.Captured);
        Assert.True(authCharge.PaymentMethodDetails.Card.CaptureBefore > DateTime.UtcNow);
        Assert.Equal(2, (await v1.Charges.ListAsync(new ChargeListOptions { Customer = customer }, cancellationToken: Ct)).Data.Count);
        var p = await v1.Prices.GetAsync(price, cancellationToken: Ct);
        Assert.Equal("month", p.Recurring.Interval);
        Assert.Equal(1200m, p.UnitAmountDecimal);
        Assert.Null((await v1.Prices.GetAsync(oneTime, cancellationToken: Ct)).Recurring);
        Assert.Equal(2, (await v1.Prices.ListAsync(new PriceListOptions { Active = true }, cancellationToken: Ct)).Data.Count);
        Assert.Equal("Monthly", (await v1.Products.GetAsync(p.ProductId, cancellationToken: Ct)).Name);
        var s = await v1.Subscriptions.GetAsync(sub, cancellationToken: Ct);
        Assert.Equal(price, s.Items.Data[0].Plan.Id);
        var inv = await v1.Invoices.GetAsync(invoice, cancellationToken: Ct);
        Assert.Equal(1200, inv.AmountDue);
        Assert.Equal(sub, inv.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Single(inv.Lines.Data);
        Assert.Equal(2, (await v1.Invoices.ListAsync(new InvoiceListOptions { Customer = customer }, cancellationToken: Ct)).Data.Count);
        var methods = await v1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer, Type = "card" }, cancellationToken: Ct);
        Assert.Equal("4444", Assert.Single(methods.Data).Card.Last4);
        Assert.Equal(pm, Assert.Single((await v1.Customers.PaymentMethods.ListAsync(customer, cancellationToken: Ct)).Data).Id);

        var finalized = await v1.Invoices.FinalizeInvoiceAsync(draft, cancellationToken: Ct);
        Assert.Equal("open", finalized.Status);
        var paid = await v1.Invoices.PayAsync(invoice, cancellationToken: Ct);
        Assert.Equal("paid", paid.Status);
        Assert.Equal(1200, paid.AmountPaid);
        Assert.Equal("uncollectible", (await v1.Invoices.MarkUncollectibleAsync(draft, cancellationToken: Ct)).Status);
        var preview = await v1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Subscription = sub,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = s.Items.Data[0].Id, Price = price, Quantity = 3 }],
            },
        }, cancellationToken: Ct);
        // Next period at 3 × 12.00, plus the proration of 2 more seats over the whole current period (Stripe's default).
        Assert.Equal(3600 + 2400, preview.AmountDue);
        Assert.Equal(2400, preview.Lines.Data.Where(l => l.Parent.SubscriptionItemDetails.Proration).Sum(l => l.Amount));
        Assert.Equal(1, (await v1.Subscriptions.GetAsync(sub, cancellationToken: Ct)).Items.Data[0].Quantity);

        var created = await v1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions { Amount = 700, Currency = "usd", Customer = customer }, cancellationToken: Ct);
        Assert.Equal("requires_payment_method", created.Status);
    }

    [Fact]
    public async Task Lists_filter_by_customer_and_paginate_newest_first()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var account = h.Sim.Account;
        var alice = account.AddCustomer(email: "alice@example.com");
        var bob = account.AddCustomer(email: "bob@example.com");
        var ids = Enumerable.Range(1, 5).Select(i => account.AddPaymentIntent(alice, i * 100, "usd")).ToList();
        account.AddPaymentIntent(bob, 999, "usd");
        var v1 = h.Client().V1;

        var page1 = await v1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = alice, Limit = 3 }, cancellationToken: Ct);
        var page2 = await v1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = alice, Limit = 3, StartingAfter = page1.Data[^1].Id }, cancellationToken: Ct);

        Assert.Equal(ids.AsEnumerable().Reverse().Take(3), page1.Data.Select(p => p.Id));
        Assert.True(page1.HasMore);
        Assert.Equal(ids.Take(2).Reverse(), page2.Data.Select(p => p.Id));
        Assert.False(page2.HasMore);
        var bobs = await v1.Customers.ListAsync(new CustomerListOptions { Email = "bob@example.com" }, cancellationToken: Ct);
        Assert.Equal(bob, Assert.Single(bobs.Data).Id);
        Assert.Equal(ids.Count, (await v1.Charges.ListAsync(new ChargeListOptions { Customer = alice, Limit = 100 }, cancellationToken: Ct)).Data.Count);
    }

    [Fact]
    public async Task Unknown_object_and_unknown_route_are_stripe_404s_with_request_ids()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var e = await Assert.ThrowsAsync<StripeException>(() => h.Client().V1.PaymentIntents.GetAsync("pi_x", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.NotFound, e.HttpStatusCode);
        Assert.Equal("resource_missing", e.StripeError.Code);
        Assert.Equal("No such payment_intent: 'pi_x'", e.StripeError.Message);

        using var http = new HttpClient { BaseAddress = h.Sim.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SimulatorHarness.SecretKey);
        http.DefaultRequestHeaders.Add("Stripe-Version", "2026-10-28.endive");
        using var first = await http.GetAsync("v1/nothing_here", Ct);
        using var second = await http.GetAsync("v1/customers/cus_missing", Ct);

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        var error = JsonNode.Parse(await first.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Null(error["code"]);
        Assert.Equal(["2026-10-28.endive"], first.Headers.GetValues("Stripe-Version"));
        var ids = new[] { first, second }.Select(r => Assert.Single(r.Headers.GetValues("Request-Id"))).ToList();
        Assert.All(ids, id => Assert.StartsWith("req_", id));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task Requests_are_recorded_without_the_api_key()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var pi = h.Sim.Account.AddPaymentIntent(h.Sim.Account.AddCustomer(), 1000, "usd");

        await h.Client().V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = pi,
            Metadata = new Dictionary<string, string> { ["keybrake_agent"] = "x" },
        }, SimulatorHarness.Key("rec-1"), Ct);

        var recorded = Assert.Single(h.Sim.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/v1/refunds", recorded.Path);
        Assert.Equal(pi, recorded.Form["payment_intent"]);
        Assert.Equal("x", recorded.Form["metadata[keybrake_agent]"]);
        Assert.Equal("rec-1", recorded.IdempotencyKey);
        Assert.Equal(200, recorded.Status);
        Assert.DoesNotContain(SimulatorHarness.SecretKey, recorded.ToString(), StringComparison.Ordinal);
    }
}
