using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>capture_payment_intent and change_plan end to end against the Stripe test double.</summary>
public sealed class CaptureAndPlanTests
{
    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(StripeWorld world) =>
        await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);

    [Fact]
    public async Task Partial_capture_counts_the_captured_amount()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 8900, "usd", manualCapture: true);
        await using var mcp = await McpHarness.StartAsync(world, "capture-bot");

        var result = await mcp.CallAsync("capture_payment_intent", new { payment_intent = intent, amount_to_capture = 5000 });
        result.AssertSuccess();
        Assert.Equal("succeeded", result.Structured().GetProperty("status").GetString());
        Assert.Equal(5000, (long)world.Stripe.Account.GetPaymentIntent(intent)!["amount_received"]!);
        var row = (await AuditAsync(world)).Single(r => r.Tool == "capture_payment_intent");
        Assert.Equal(("allowed", 5000L, "USD", intent), (row.Outcome, row.Amount!.Value, row.Currency, row.Object));
    }

    [Fact]
    public async Task Capture_of_an_already_captured_intent_is_refused_before_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 8900, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "capture-bot");
        var result = await mcp.CallAsync("capture_payment_intent", new { payment_intent = intent });
        Assert.Equal("not_allowed", result.ErrorCode());
        Assert.Contains("'succeeded'", result.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task A_tool_of_another_role_does_not_exist_for_the_agent()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 8900, "usd", manualCapture: true);
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.CallAsync("capture_payment_intent", new { payment_intent = intent }));
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("Unknown tool: 'capture_payment_intent'", error.Message);
        Assert.Contains("not granted to role 'support-refunds'", error.Message);
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
        var audit = await new Keybrake.Mcp.Ledger.SqlLedger(new Keybrake.Mcp.Ledger.Sqlite.SqliteDatabase(world.DatabasePath), TimeProvider.System)
            .ReadAuditAsync(new Keybrake.Mcp.Ledger.AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, r => r is { Tool: "capture_payment_intent", Outcome: "denied", Code: "not_allowed" });
        Assert.Equal("requires_capture", (string?)world.Stripe.Account.GetPaymentIntent(intent)!["status"]);
    }

    [Fact]
    public async Task Change_plan_to_an_allowed_price_updates_the_subscription_and_records_what_it_adds_each_month()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam });
        result.AssertSuccess();
        Assert.Equal(world.PriceTeam, result.Structured().GetProperty("items")[0].GetProperty("price").GetString());
        Assert.Equal(world.PriceTeam, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
        // create_prorations in the same interval: Stripe bills the difference with the next renewal, nothing now.
        Assert.Empty(world.Stripe.Account.GetInvoices());
        var row = (await AuditAsync(world)).Single(r => r.Tool == "change_plan");
        Assert.Equal(("allowed", 0L), (row.Outcome, row.Amount!.Value));
        Assert.Equal((4000L, "month"), (row.RecurringDelta!.Minor, row.RecurringDelta.Interval));
        Assert.Equal(4000, result.Structured().GetProperty("recurring_delta").GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Change_plan_to_the_free_beta_price_is_refused_and_never_reaches_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceBeta });
        Assert.Equal("invalid_arguments", result.ErrorCode());
        Assert.Contains("'price' must be one of", result.ErrorMessage());
        Assert.Empty(world.Stripe.Requests);
        Assert.Equal(world.PriceTeam, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
        Assert.Equal("denied", (await AuditAsync(world)).Single().Outcome);
    }

    [Fact]
    public async Task List_prices_with_its_own_allowlist_lists_only_those_and_pages_them()
    {
        await using var world = await StripeWorld.StartAsync();
        world.EditManifest("subscriptions", m => m["tools"]!["list_prices"] = new System.Text.Json.Nodes.JsonObject
        {
            ["prices"] = new System.Text.Json.Nodes.JsonArray(world.PriceTeam, world.PriceBeta),
        });
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var first = await mcp.CallAsync("list_prices", new { limit = 1 });
        first.AssertSuccess();
        Assert.Equal([world.PriceBeta], first.Structured().GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.True(first.Structured().GetProperty("has_more").GetBoolean());
        var second = await mcp.CallAsync("list_prices", new { limit = 1, starting_after = world.PriceBeta });
        Assert.Equal([world.PriceTeam], second.Structured().GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.False(second.Structured().GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task List_prices_shows_only_the_allowlisted_prices()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var result = await mcp.CallAsync("list_prices", new { });
        result.AssertSuccess();
        var ids = result.Structured().GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Equal([world.PriceHobby, world.PriceTeam], ids);
    }

    [Fact]
    public async Task A_create_instead_of_a_capture_is_impossible()
    {
        // The capturer's key allows POST /v1/payment_intents (create); no tool of ours sends it, and asking is refused.
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "capture-bot");
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.CallAsync("create_payment_intent", new { amount = 1000000, currency = "usd" }));
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        var bogus = await mcp.CallAsync("capture_payment_intent", new { payment_intent = "pi_new", amount_to_capture = 1000000, currency = "usd" });
        Assert.Equal("invalid_arguments", bogus.ErrorCode());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
    }
}
