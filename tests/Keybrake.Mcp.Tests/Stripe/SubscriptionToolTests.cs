using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>The subscription tools end to end through MCP against the Stripe test double.</summary>
public sealed class SubscriptionToolTests
{
    private const long Day = 86_400;

    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(StripeWorld world) =>
        await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);

    private static IEnumerable<Keybrake.StripeSimulator.RecordedRequest> Writes(StripeWorld world) =>
        world.Stripe.Requests.Where(r => r.Method != "GET");

    [Fact]
    public async Task Schemas_carry_the_grants_and_only_the_preview_is_read_only()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var tools = (await mcp.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(14, tools["extend_trial"].InputSchema.GetProperty("properties").GetProperty("days").GetProperty("maximum").GetInt32());
        Assert.Equal(10, tools["update_subscription_quantity"].InputSchema.GetProperty("properties").GetProperty("quantity").GetProperty("maximum").GetInt32());
        Assert.Equal([world.PriceHobby, world.PriceTeam],
            tools["preview_plan_change"].InputSchema.GetProperty("properties").GetProperty("price").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(tools["preview_plan_change"].Annotations!.ReadOnlyHint);
        Assert.False(tools["preview_plan_change"].InputSchema.GetProperty("properties").TryGetProperty("request_id", out _));
        foreach (var name in new[] { "pause_subscription", "resume_subscription", "cancel_subscription", "extend_trial", "update_subscription_quantity" })
        {
            Assert.True(tools[name].Annotations!.DestructiveHint, name);
            Assert.False(tools[name].Annotations!.ReadOnlyHint, name);
            Assert.True(tools[name].InputSchema.GetProperty("properties").TryGetProperty("request_id", out _), name);
        }
    }

    [Fact]
    public async Task Preview_reports_the_proration_and_changes_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("preview_plan_change", new { subscription, price = world.PriceTeam });

        result.AssertSuccess();
        var preview = result.Structured();
        Assert.Equal("usd", preview.GetProperty("currency").GetString());
        // Switched at the very start of the period: the whole difference, 49.00 - 9.00.
        Assert.InRange(preview.GetProperty("proration_amount").GetInt64(), 3990, 4000);
        Assert.Equal(preview.GetProperty("total").GetInt64(), preview.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("amount").GetInt64()));
        Assert.Contains(preview.GetProperty("lines").EnumerateArray(), l => l.GetProperty("proration").GetBoolean() && l.GetProperty("amount").GetInt64() < 0);
        Assert.Equal(["/v1/invoices/create_preview"], Writes(world).Select(r => r.Path));
        Assert.Equal(world.PriceHobby, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
        Assert.Empty(world.Stripe.Account.GetInvoices());
        var row = (await AuditAsync(world)).Single();
        Assert.Equal(("allowed", (long?)null), (row.Outcome, row.Amount));
    }

    [Fact]
    public async Task Pause_then_resume_clears_the_paused_collection()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        var resumesAt = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var paused = await mcp.CallAsync("pause_subscription", new { subscription, behavior = "mark_uncollectible", resumes_at = resumesAt });

        paused.AssertSuccess();
        Assert.Equal("mark_uncollectible", paused.Structured().GetProperty("pause_collection").GetProperty("behavior").GetString());
        Assert.Equal(resumesAt, paused.Structured().GetProperty("pause_collection").GetProperty("resumes_at").GetInt64());
        var stored = world.Stripe.Account.GetSubscription(subscription)!;
        Assert.Equal("mark_uncollectible", (string?)stored["pause_collection"]!["behavior"]);
        Assert.Equal("plan-bot", (string?)stored["metadata"]!["keybrake_agent"]);
        Assert.NotNull(Writes(world).Single().IdempotencyKey);

        var again = await mcp.CallAsync("pause_subscription", new { subscription, behavior = "void" });
        Assert.Equal("not_allowed", again.ErrorCode());
        Assert.Contains("already paused", again.ErrorMessage());

        var resumed = await mcp.CallAsync("resume_subscription", new { subscription });

        resumed.AssertSuccess();
        Assert.Equal("clear_pause_collection", resumed.Structured().GetProperty("resumed_by").GetString());
        Assert.Null(world.Stripe.Account.GetSubscription(subscription)!["pause_collection"]);
        var unpause = Writes(world).Last();
        Assert.Equal(("/v1/subscriptions/" + subscription, ""), (unpause.Path, unpause.Form["pause_collection"]));
        Assert.Equal("active", (string?)world.Stripe.Account.GetSubscription(subscription)!["status"]);

        var nothing = await mcp.CallAsync("resume_subscription", new { subscription, request_id = "second" });
        Assert.Equal("not_allowed", nothing.ErrorCode());
        Assert.Equal(2, Writes(world).Count());
    }

    [Fact]
    public async Task Pause_until_a_past_time_is_refused_before_any_write()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("pause_subscription", new { subscription, behavior = "void", resumes_at = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds() });

        Assert.Equal("invalid_arguments", result.ErrorCode());
        Assert.Contains("in the future", result.ErrorMessage());
        Assert.Empty(Writes(world));
    }

    [Fact]
    public async Task Resume_of_a_paused_status_uses_stripes_resume()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, status: "paused");
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("resume_subscription", new { subscription });

        result.AssertSuccess();
        Assert.Equal(("resume", "active"), (result.Structured().GetProperty("resumed_by").GetString(), result.Structured().GetProperty("status").GetString()));
        var write = Writes(world).Single(w => w.Path != "/v1/invoices/create_preview");
        Assert.Equal($"/v1/subscriptions/{subscription}/resume", write.Path);
        Assert.Equal("resume_on_payment_success", write.Form["payment_behavior"]);
        Assert.NotNull(write.IdempotencyKey);
    }

    [Fact]
    public async Task Cancel_defaults_to_the_period_end_and_records_the_feedback()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("cancel_subscription", new { subscription, feedback = "too_expensive", comment = "ticket 42" });

        result.AssertSuccess();
        var structured = result.Structured();
        Assert.True(structured.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal("active", structured.GetProperty("status").GetString());
        Assert.True(structured.GetProperty("cancel_at").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var stored = world.Stripe.Account.GetSubscription(subscription)!;
        Assert.Equal(("too_expensive", "ticket 42"), ((string?)stored["cancellation_details"]!["feedback"], (string?)stored["cancellation_details"]!["comment"]));
        Assert.Equal("POST", Writes(world).Single().Method);

        var twice = await mcp.CallAsync("cancel_subscription", new { subscription, request_id = "again" });
        Assert.Equal("not_allowed", twice.ErrorCode());
    }

    [Fact]
    public async Task Cancel_now_deletes_once_and_a_retry_is_answered_from_the_ledger()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var first = await mcp.CallAsync("cancel_subscription", new { subscription, at_period_end = false, request_id = "r1" });
        var retry = await mcp.CallAsync("cancel_subscription", new { subscription, at_period_end = false, request_id = "r1" });

        first.AssertSuccess();
        Assert.Equal("canceled", first.Structured().GetProperty("status").GetString());
        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal("DELETE", Writes(world).Single().Method);
        Assert.Equal("canceled", (string?)world.Stripe.Account.GetSubscription(subscription)!["status"]);
    }

    [Fact]
    public async Task Extend_trial_adds_days_to_the_trial_end_within_max_days()
    {
        await using var world = await StripeWorld.StartAsync();
        var trialEnd = DateTimeOffset.UtcNow.AddDays(7);
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, status: "trialing", trialEnd: trialEnd);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("extend_trial", new { subscription, days = 10 });

        result.AssertSuccess();
        var expected = trialEnd.ToUnixTimeSeconds() + 10 * Day;
        Assert.Equal(expected, result.Structured().GetProperty("trial_end").GetInt64());
        Assert.Equal(expected, (long)world.Stripe.Account.GetSubscription(subscription)!["trial_end"]!);
        Assert.Equal("none", Writes(world).Single().Form["proration_behavior"]);
    }

    [Fact]
    public async Task Extend_trial_above_max_days_is_invalid_and_never_reaches_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, status: "trialing", trialEnd: DateTimeOffset.UtcNow.AddDays(7));
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("extend_trial", new { subscription, days = 15 });

        Assert.Equal("invalid_arguments", result.ErrorCode());
        Assert.Empty(world.Stripe.Requests);
    }

    [Fact]
    public async Task Extend_trial_of_an_active_subscription_is_not_allowed()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("extend_trial", new { subscription, days = 3 });

        Assert.Equal("not_allowed", result.ErrorCode());
        Assert.Empty(Writes(world));
    }

    [Fact]
    public async Task Quantity_invoiced_now_counts_what_stripe_collected_and_a_too_large_one_exceeds_the_budget()
    {
        await using var world = await StripeWorld.StartAsync();
        var small = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        var large = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("update_subscription_quantity", new { subscription = small, quantity = 2, proration_behavior = "always_invoice" });

        result.AssertSuccess();
        var invoice = Assert.Single(world.Stripe.Account.GetInvoices());
        var paid = (long)invoice["amount_paid"]!;
        Assert.InRange(paid, 4890, 4900); // a second seat for (nearly) the whole month
        Assert.Equal(paid, result.Structured().GetProperty("amount_charged").GetInt64());
        Assert.Equal(2, (long)world.Stripe.Account.GetSubscription(small)!["items"]!["data"]![0]!["quantity"]!);
        var row = (await AuditAsync(world)).Single(r => r.Tool == "update_subscription_quantity");
        Assert.Equal(("allowed", paid, "USD"), (row.Outcome, row.Amount!.Value, row.Currency));

        // 9 more seats at 49.00 is ~441.00 now; only ~51.00 of the 100.00 USD day budget is left.
        var tooMuch = await mcp.CallAsync("update_subscription_quantity", new { subscription = large, quantity = 10, proration_behavior = "always_invoice" });

        Assert.Equal("budget_exceeded", tooMuch.ErrorCode());
        Assert.Contains($"{paid / 100}.{paid % 100:00} of 100.00 USD used", tooMuch.ErrorMessage());
        Assert.DoesNotContain(Writes(world), r => r.Path == "/v1/subscriptions/" + large);
        Assert.Equal(1, (long)world.Stripe.Account.GetSubscription(large)!["items"]!["data"]![0]!["quantity"]!);
    }

    [Fact]
    public async Task Quantity_change_without_proration_holds_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("update_subscription_quantity", new { subscription, quantity = 10, proration_behavior = "none" });

        result.AssertSuccess();
        Assert.Equal(0, result.Structured().GetProperty("amount_charged").GetInt64());
        Assert.Equal(9 * 4900, result.Structured().GetProperty("recurring_delta").GetProperty("amount").GetInt64());
        Assert.Equal("none", Writes(world).Single().Form["proration_behavior"]);
    }

    [Theory]
    [InlineData("pause_subscription")]
    [InlineData("cancel_subscription")]
    [InlineData("update_subscription_quantity")]
    [InlineData("preview_plan_change")]
    public async Task A_subscription_of_a_customer_outside_the_scope_is_not_allowed(string tool)
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerOutside, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        object arguments = tool switch
        {
            "pause_subscription" => new { subscription, behavior = "void" },
            "update_subscription_quantity" => new { subscription, quantity = 2 },
            "preview_plan_change" => new { subscription, price = world.PriceTeam },
            _ => new { subscription },
        };

        var result = await mcp.CallAsync(tool, arguments);

        Assert.Equal("not_allowed", result.ErrorCode());
        Assert.Contains($"outside role 'subscriptions'", result.ErrorMessage());
        Assert.Empty(Writes(world));
    }
}
