using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>
/// The read-only analytics role: record scope on every read, filtering at Stripe, page caps, read rate limits and
/// personal-data redaction. The seed's attack is a bulk export past the scope.
/// </summary>
public sealed class AnalyticsRoleTests
{
    private const string AnalyticsKey = "rk_test_AnalyticsRoleKey000000000001";

    private sealed record Analytics(StripeWorld World, McpHarness Mcp, string InScope2, string InScopeIntent, string SecondIntent, string OutsideIntent) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Mcp.DisposeAsync();
            await World.DisposeAsync();
        }
    }

    private static async Task<Analytics> StartAsync(int callsPerMinute = 100)
    {
        var world = await StripeWorld.StartAsync();
        world.Stripe.RegisterKey(AnalyticsKey, "customers:read", "charges:read", "invoices:read", "subscriptions:read", "refunds:read", "payment_intents:read");
        var second = world.Stripe.Account.AddCustomer(email: "b@example.com", name: "Bea");
        var inScopeIntent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 1000, "usd");
        var secondIntent = world.Stripe.Account.AddPaymentIntent(second, 2000, "usd");
        var outsideIntent = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 9000, "usd");
        File.WriteAllText(Path.Combine(world.ManifestsDirectory, "analytics-readonly.json"), $$"""
        {
          "role": "analytics-readonly",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_ANALYTICS", "mode": "test" },
          "agents": ["analytics-bot"],
          "customers": ["{{world.CustomerA}}", "{{second}}"],
          "redactPersonalData": true,
          "rateLimits": [ { "per": "agent", "calls": {{callsPerMinute}}, "window": "minute" } ],
          "tools": {
            "list_customers": { "maxPageSize": 25 }, "get_customer": {}, "list_charges": { "maxPageSize": 25 }, "get_charge": {},
            "list_refunds": {}, "list_payment_intents": {}, "get_payment_intent": {}, "list_subscriptions": {}
          }
        }
        """);
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_STRIPE_KEY_ANALYTICS"] = AnalyticsKey };
        return new Analytics(world, await McpHarness.StartAsync(world, "analytics-bot", env), second, inScopeIntent, secondIntent, outsideIntent);
    }

    [Fact]
    public async Task Lists_are_filtered_by_customer_at_stripe_and_return_only_that_customer()
    {
        await using var a = await StartAsync();
        var result = await a.Mcp.CallAsync("list_charges", new { customer = a.World.CustomerA });
        result.AssertSuccess();
        var customers = result.Structured().GetProperty("data").EnumerateArray().Select(c => c.GetProperty("customer").GetString()).ToList();
        Assert.Equal([a.World.CustomerA], customers);
        var request = Assert.Single(a.World.Stripe.Requests, r => r.Path == "/v1/charges");
        Assert.Equal(a.World.CustomerA, request.Form["customer"]);
    }

    [Fact]
    public async Task Bulk_export_past_the_scope_is_refused_without_reaching_stripe()
    {
        await using var a = await StartAsync();
        var outside = await a.Mcp.CallAsync("list_payment_intents", new { customer = a.World.CustomerOutside });
        Assert.Equal("invalid_arguments", outside.ErrorCode());
        var bigPage = await a.Mcp.CallAsync("list_charges", new { customer = a.World.CustomerA, limit = 100 });
        Assert.Contains("'limit' must be at most 25", bigPage.ErrorMessage());
        Assert.Empty(a.World.Stripe.Requests);

        var read = await a.Mcp.CallAsync("get_payment_intent", new { payment_intent = a.OutsideIntent });
        Assert.Equal("not_allowed", read.ErrorCode());
        var refunds = await a.Mcp.CallAsync("list_refunds", new { payment_intent = a.OutsideIntent });
        Assert.Equal("not_allowed", refunds.ErrorCode());
        Assert.DoesNotContain(a.World.Stripe.Requests, r => r.Path == "/v1/refunds");
    }

    [Fact]
    public async Task Without_customer_a_list_is_the_whole_scope_merged_newest_first_and_paged_never_outside_it()
    {
        await using var a = await StartAsync();
        // More charges on both customers of the scope and outside it; within one second the order is by id.
        var expected = new List<string> { a.InScopeIntent };
        foreach (var (customer, i) in new[] { a.World.CustomerA, a.InScope2, a.World.CustomerOutside, a.InScope2, a.World.CustomerA }.Select((c, i) => (c, i)))
        {
            var intent = a.World.Stripe.Account.AddPaymentIntent(customer, 3000 + i, "usd");
            if (customer != a.World.CustomerOutside)
            {
                expected.Add(intent);
            }
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = after is null
                ? await a.Mcp.CallAsync("list_charges", new { limit = 2 })
                : await a.Mcp.CallAsync("list_charges", new { limit = 2, starting_after = after });
            page.AssertSuccess();
            var data = page.Structured().GetProperty("data").EnumerateArray().ToList();
            Assert.All(data, c => Assert.Contains(c.GetProperty("customer").GetString(), new[] { a.World.CustomerA, a.InScope2 }));
            seen.AddRange(data.Select(c => c.GetProperty("payment_intent").GetString()!));
            after = page.Structured().GetProperty("has_more").GetBoolean() && data.Count > 0 ? data[^1].GetProperty("id").GetString() : null;
            pages++;
        }
        while (after is not null && pages < 10);

        // Every in-scope charge once (the seeded one of the second customer included), none outside.
        Assert.Equal(expected.Append(a.SecondIntent).Order(), seen.Order());
        Assert.DoesNotContain(a.OutsideIntent, seen);
        Assert.All(a.World.Stripe.Requests.Where(r => r.Path == "/v1/charges"), r => Assert.Contains(r.Form["customer"], new[] { a.World.CustomerA, a.InScope2 }));
    }

    [Fact]
    public async Task List_customers_under_scope_reads_only_the_scoped_customers_by_id()
    {
        await using var a = await StartAsync();
        var result = await a.Mcp.CallAsync("list_customers", new { limit = 1 });
        result.AssertSuccess();
        Assert.Single(result.Structured().GetProperty("data").EnumerateArray());
        Assert.True(result.Structured().GetProperty("has_more").GetBoolean());
        var all = await a.Mcp.CallAsync("list_customers", new { });
        var ids = all.Structured().GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order().ToList();
        Assert.Equal(new[] { a.World.CustomerA, a.InScope2 }.Order().Cast<string?>().ToList(), ids);
        Assert.DoesNotContain(a.World.Stripe.Requests, r => r.Path == "/v1/customers");
    }

    [Fact]
    public async Task Personal_data_is_redacted_from_reads()
    {
        await using var a = await StartAsync();
        var customer = await a.Mcp.CallAsync("get_customer", new { customer = a.World.CustomerA });
        customer.AssertSuccess();
        Assert.Equal("[redacted]", customer.Structured().GetProperty("email").GetString());
        Assert.Equal("[redacted]", customer.Structured().GetProperty("name").GetString());
        Assert.Equal(a.World.CustomerA, customer.Structured().GetProperty("id").GetString());
        Assert.DoesNotContain("a@example.com", customer.Text());
        var charges = await a.Mcp.CallAsync("list_charges", new { customer = a.World.CustomerA });
        Assert.Equal(1000, charges.Structured().GetProperty("data")[0].GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Read_rate_limit_stops_a_crawl_before_stripe_sees_it()
    {
        await using var a = await StartAsync(callsPerMinute: 5);
        for (var i = 0; i < 5; i++)
        {
            (await a.Mcp.CallAsync("get_customer", new { customer = a.World.CustomerA })).AssertSuccess();
        }

        var refused = await a.Mcp.CallAsync("get_customer", new { customer = a.World.CustomerA });
        Assert.Equal("rate_limited", refused.ErrorCode());
        Assert.InRange(refused.Structured().GetProperty("error").GetProperty("retry_after_seconds").GetInt64(), 1, 61);
        Assert.Equal(5, a.World.Stripe.Requests.Count);
    }

    [Fact]
    public async Task List_refunds_of_an_in_scope_payment_is_allowed()
    {
        await using var a = await StartAsync();
        var result = await a.Mcp.CallAsync("list_refunds", new { payment_intent = a.InScopeIntent });
        result.AssertSuccess();
        Assert.Empty(result.Structured().GetProperty("data").EnumerateArray());
    }
}
