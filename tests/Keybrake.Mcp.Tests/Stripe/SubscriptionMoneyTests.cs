using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>
/// A subscription change that Stripe invoices is a charge: held at Stripe's preview before the call, counted at what the
/// invoice it created collected, also after an unknown outcome; what it adds every period is capped and recorded.
/// </summary>
public sealed class SubscriptionMoneyTests
{
    private const string Yearly = "price_team_yearly";

    private static SqlLedger Ledger(StripeWorld world) => new(new SqliteDatabase(world.DatabasePath), TimeProvider.System);

    private static async Task<AuditRecord> RowAsync(StripeWorld world, string tool) =>
        (await Ledger(world).ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Last(r => r.Tool == tool);

    private static async Task<BudgetUsage> UsageAsync(StripeWorld world) =>
        (await Ledger(world).ReadUsageAsync(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["subscriptions"], CancellationToken.None))
        .Single(u => u.Agent == "plan-bot");

    /// <summary>The subscriptions role of the outside report: 100.00 USD a day, every proration behaviour, a yearly price too.</summary>
    private static async Task<StripeWorld> WorldAsync(string budget = "100.00 USD", Action<JsonObject>? changePlan = null)
    {
        var world = await StripeWorld.StartAsync();
        world.Stripe.Account.AddPrice(49000, "usd", interval: "year", id: Yearly, nickname: "Team yearly");
        world.EditManifest("subscriptions", m =>
        {
            m["budgets"] = new JsonArray(new JsonObject { ["per"] = "agent", ["window"] = "day", ["limit"] = budget });
            var grant = new JsonObject
            {
                ["prices"] = new JsonArray(world.PriceHobby, world.PriceTeam, Yearly),
                ["prorationBehaviors"] = new JsonArray("create_prorations", "none", "always_invoice"),
                ["maxQuantity"] = 10,
            };
            changePlan?.Invoke(grant);
            m["tools"]!["change_plan"] = grant;
            m["tools"]!["update_subscription_quantity"] = new JsonObject { ["maxQuantity"] = 10 };
        });
        return world;
    }

    private static long Paid(StripeWorld world) => world.Stripe.Account.GetInvoices().Sum(i => (long)i["amount_paid"]!);

    [Fact]
    public async Task Quantity_exists_in_change_plans_schema_only_up_to_maxQuantity()
    {
        await using var world = await WorldAsync(changePlan: g => g.Remove("maxQuantity"));
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam);
        await using (var mcp = await McpHarness.StartAsync(world, "plan-bot"))
        {
            var schema = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "change_plan").ProtocolTool.InputSchema;
            Assert.False(schema.GetProperty("properties").TryGetProperty("quantity", out _));
            var refused = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, quantity = 5000, proration_behavior = "none" });
            Assert.Equal("invalid_arguments", refused.ErrorCode());
            Assert.Contains("'quantity' is not an argument of this tool", refused.ErrorMessage());
        }

        world.EditManifest("subscriptions", m => m["tools"]!["change_plan"]!["maxQuantity"] = 10);
        await using (var mcp = await McpHarness.StartAsync(world, "plan-bot"))
        {
            var schema = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "change_plan").ProtocolTool.InputSchema;
            Assert.Equal(10, schema.GetProperty("properties").GetProperty("quantity").GetProperty("maximum").GetInt32());
            var refused = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, quantity = 5000, proration_behavior = "none" });
            Assert.Equal("invalid_arguments", refused.ErrorCode());
            Assert.Contains("'quantity' must be at most 10; got 5000", refused.ErrorMessage());
        }

        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
        Assert.Equal(1, (long)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["quantity"]!);
    }

    [Fact]
    public async Task MaxRecurringIncrease_refuses_a_change_that_bills_too_much_more_every_period()
    {
        await using var world = await WorldAsync(changePlan: g => g["maxRecurringIncrease"] = "30.00 USD");
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var refused = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, proration_behavior = "none" });

        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Equal($"plan change would raise what subscription {subscription} bills by 40.00 USD every month, above change_plan's maxRecurringIncrease of 30.00 USD for role 'subscriptions'",
            refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST" && r.Path.StartsWith("/v1/subscriptions", StringComparison.Ordinal));

        // 5 seats of hobby (45.00) from 1 of team (49.00) bills less: allowed, and recorded as a negative delta.
        world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, id: "sub_team_1");
        var down = await mcp.CallAsync("change_plan", new { subscription = "sub_team_1", price = world.PriceHobby, quantity = 5, proration_behavior = "none" });
        down.AssertSuccess();
        Assert.Equal(-400, down.Structured().GetProperty("recurring_delta").GetProperty("amount").GetInt64());
        var row = await RowAsync(world, "change_plan");
        Assert.Equal((-400L, "usd", "month", 1L), (row.RecurringDelta!.Minor, row.RecurringDelta.Currency.Code.ToLowerInvariant(), row.RecurringDelta.Interval, row.RecurringDelta.IntervalCount));
        var json = AuditRecordJson.Fields(row);
        Assert.Equal(-400, (long)json["recurring_delta"]!["amount"]!);
    }

    [Fact]
    public async Task A_switch_to_a_yearly_price_is_held_at_stripes_preview_and_refused_beyond_the_budget()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, quantity: 5);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var refused = await mcp.CallAsync("change_plan", new { subscription, price = Yearly, proration_behavior = "none" });

        Assert.Equal("budget_exceeded", refused.ErrorCode());
        Assert.StartsWith("plan change of 2450.00 USD would exceed the agent's day budget", refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST" && r.Path == "/v1/subscriptions/" + subscription);
        Assert.Empty(world.Stripe.Account.GetInvoices());
        Assert.Equal(world.PriceTeam, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("create_prorations")]
    [InlineData("always_invoice")]
    public async Task A_switch_to_a_yearly_price_counts_what_stripe_invoiced_and_collected(string behavior)
    {
        await using var world = await WorldAsync(budget: "5000.00 USD");
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, quantity: 5);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("change_plan", new { subscription, price = Yearly, proration_behavior = behavior });

        result.AssertSuccess();
        var invoice = Assert.Single(world.Stripe.Account.GetInvoices());
        Assert.Equal(("paid", "subscription_update"), ((string?)invoice["status"], (string?)invoice["billing_reason"]));
        var collected = (long)invoice["amount_paid"]!;
        // The whole year (5 × 490.00), less the unused month's credit unless proration is off.
        Assert.True(behavior == "none" ? collected == 245000 : collected is > 220000 and < 245000, $"{collected}");
        Assert.Equal(collected, result.Structured().GetProperty("amount_charged").GetInt64());
        Assert.Equal((string?)invoice["id"], result.Structured().GetProperty("invoice").GetProperty("id").GetString());
        var row = await RowAsync(world, "change_plan");
        Assert.Equal(("allowed", collected), (row.Outcome, row.Amount!.Value));
        Assert.Equal((collected, 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
        Assert.Equal("year", row.RecurringDelta!.Interval);
    }

    [Fact]
    public async Task Always_invoice_holds_exactly_what_stripe_then_collects()
    {
        await using var world = await WorldAsync(budget: "500.00 USD");
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        // Stripe takes its time with the update, long enough to read the hold while the call is at Stripe.
        var atStripe = world.Stripe.Faults.Delay("POST", "/v1/subscriptions/" + subscription, TimeSpan.FromSeconds(3));
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var call = mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, quantity = 10, proration_behavior = "always_invoice" });
        while (atStripe.Remaining > 0 && !call.IsCompleted)
        {
            await Task.Delay(20);
        }

        var held = (await UsageAsync(world)).HeldMinor;
        var result = await call;

        result.AssertSuccess();
        var collected = (long)Assert.Single(world.Stripe.Account.GetInvoices())["amount_paid"]!;
        Assert.True(collected > 0);
        Assert.Equal(held, collected);
        Assert.Equal((collected, 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
        // The change is billed as of the very second that was previewed.
        var preview = world.Stripe.Requests.Single(r => r.Path == "/v1/invoices/create_preview");
        var update = world.Stripe.Requests.Single(r => r.Method == "POST" && r.Path == "/v1/subscriptions/" + subscription);
        Assert.Equal(preview.Form["subscription_details[proration_date]"], update.Form["proration_date"]);
        Assert.Equal("error_if_incomplete", update.Form["payment_behavior"]);
    }

    [Fact]
    public async Task A_change_paid_by_bank_debit_counts_the_invoice_still_processing()
    {
        await using var world = await WorldAsync(budget: "500.00 USD");
        world.Stripe.Account.SetDefaultPaymentMethod(world.CustomerA, world.Stripe.Account.AddBankAccount(world.CustomerA));
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, quantity = 2, proration_behavior = "always_invoice" });

        // Stripe paid nothing yet (the debit is processing, the invoice open), but it is collecting it: counted now.
        result.AssertSuccess();
        var invoice = Assert.Single(world.Stripe.Account.GetInvoices());
        Assert.Equal(("open", 0L), ((string?)invoice["status"], (long)invoice["amount_paid"]!));
        var due = (long)invoice["amount_due"]!;
        Assert.True(due > 0);
        Assert.Equal(due, result.Structured().GetProperty("amount_charged").GetInt64());
        Assert.Equal((due, 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task A_change_to_a_tiered_price_is_refused_before_anything_is_held()
    {
        await using var world = await WorldAsync(changePlan: g => g.Remove("prices"));
        var tiered = world.Stripe.Account.AddTieredPrice("usd", firstTierUpTo: 5, firstTierUnitAmount: 0, restUnitAmount: 90000);
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        // Its unit amount is null: counted as free, it would hold nothing and pass any recurring-increase cap.
        var refused = await mcp.CallAsync("change_plan", new { subscription, price = tiered, quantity = 10, proration_behavior = "always_invoice" });

        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains($"the new price {tiered} is billed 'tiered'", refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
        Assert.Equal(world.PriceHobby, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
    }

    [Fact]
    public async Task Resuming_a_paused_subscription_counts_the_period_stripe_invoices()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby, status: "paused");
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("resume_subscription", new { subscription });

        result.AssertSuccess();
        Assert.Equal(900, Paid(world));
        Assert.Equal(900, result.Structured().GetProperty("amount_charged").GetInt64());
        var row = await RowAsync(world, "resume_subscription");
        Assert.Equal(("allowed", 900L, "USD"), (row.Outcome, row.Amount!.Value, row.Currency));
        Assert.Equal(900, (await UsageAsync(world)).SettledMinor);
    }

    [Fact]
    public async Task A_resume_beyond_the_budget_is_refused_before_stripe_is_asked_to_resume()
    {
        await using var world = await WorldAsync(budget: "5.00 USD");
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby, status: "paused");
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var refused = await mcp.CallAsync("resume_subscription", new { subscription });

        Assert.Equal("budget_exceeded", refused.ErrorCode());
        Assert.StartsWith("resume of 9.00 USD would exceed", refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Path.EndsWith("/resume", StringComparison.Ordinal));
        Assert.Equal("paused", (string?)world.Stripe.Account.GetSubscription(subscription)!["status"]);
    }

    [Theory]
    [InlineData("change_plan")]
    [InlineData("update_subscription_quantity")]
    public async Task A_retry_after_an_unknown_outcome_counts_the_money_stripe_collected(string tool)
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        object arguments = tool == "change_plan"
            ? new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice", request_id = "ticket-7" }
            : new { subscription, quantity = 5, proration_behavior = "always_invoice", request_id = "ticket-7" };
        world.Stripe.Faults.CommitThenDrop("POST", "/v1/subscriptions/" + subscription);

        var first = await mcp.CallAsync(tool, arguments);
        Assert.Equal("outcome_unknown", first.ErrorCode());
        var collected = Paid(world);
        Assert.True(collected > 0);
        Assert.Equal(collected, (await UsageAsync(world)).HeldMinor);

        var retry = await mcp.CallAsync(tool, arguments);

        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal(collected, retry.Structured().GetProperty("amount_charged").GetInt64());
        Assert.Single(world.Stripe.Account.GetInvoices());
        var row = await RowAsync(world, tool);
        Assert.Equal(("allowed", collected), (row.Outcome, row.Amount!.Value));
        Assert.Equal((collected, 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task Reconcile_settles_an_unknown_plan_change_at_what_stripe_collected()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using (var mcp = await McpHarness.StartAsync(world, "plan-bot"))
        {
            world.Stripe.Faults.CommitThenDrop("POST", "/v1/subscriptions/" + subscription);
            Assert.Equal("outcome_unknown", (await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice" })).ErrorCode());
        }

        var output = new StringWriter();
        Assert.Equal(0, await Keybrake.Mcp.Cli.KeybrakeCli.RunAsync(["reconcile", "--older-than", "0s"], world.Env, output, new StringWriter()));

        var row = await RowAsync(world, "change_plan");
        Assert.Equal(("allowed", Paid(world)), (row.Outcome, row.Amount!.Value));
        Assert.Equal(4000, row.RecurringDelta!.Minor);
        Assert.Equal((Paid(world), 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task A_declined_card_changes_nothing_and_releases_the_hold()
    {
        await using var world = await WorldAsync();
        var card = world.Stripe.Account.AddPaymentMethod(world.CustomerA, last4: "0341");
        world.Stripe.Account.SetDefaultPaymentMethod(world.CustomerA, card);
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");

        var result = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice" });

        Assert.Equal("stripe_error", result.ErrorCode());
        Assert.Equal("card_declined", result.Structured().GetProperty("error").GetProperty("stripe_code").GetString());
        Assert.Equal(world.PriceHobby, (string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"]);
        Assert.Empty(world.Stripe.Account.GetInvoices());
        Assert.Equal(0, (await UsageAsync(world)).UsedMinor);
        Assert.Equal("failed", (await RowAsync(world, "change_plan")).Outcome);
    }

    [Fact]
    public async Task Random_plan_quantity_proration_and_interval_changes_count_exactly_what_stripe_collected()
    {
        // A property over many changes: after each call, the money the ledger says moved equals the money Stripe's
        // invoices collected, refusals included (they move nothing on either side), and no budget is ever exceeded.
        await using var world = await WorldAsync(budget: "3000.00 USD");
        var prices = new[] { world.PriceHobby, world.PriceTeam, Yearly };
        var behaviors = new[] { "create_prorations", "none", "always_invoice" };
        var subscriptions = Enumerable.Range(0, 4).Select(i => world.Stripe.Account.AddSubscription(world.CustomerA, prices[i % 2], quantity: 1 + i)).ToList();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var random = new Random(20261204);
        var outcomes = new Dictionary<string, int>();

        for (var step = 0; step < 40; step++)
        {
            var subscription = subscriptions[random.Next(subscriptions.Count)];
            var behavior = behaviors[random.Next(behaviors.Length)];
            var result = random.Next(3) == 0
                ? await mcp.CallAsync("update_subscription_quantity", new { subscription, quantity = random.Next(1, 11), proration_behavior = behavior })
                : await mcp.CallAsync("change_plan", new { subscription, price = prices[random.Next(prices.Length)], quantity = random.Next(1, 11), proration_behavior = behavior });
            var key = result.IsError == true ? result.ErrorCode()! : "allowed";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;

            var audit = await Ledger(world).ReadAuditAsync(new AuditQuery(), CancellationToken.None);
            Assert.Equal(Paid(world), audit.Where(r => r.Outcome == "allowed").Sum(r => r.Amount ?? 0));
            var usage = await UsageAsync(world);
            Assert.Equal(Paid(world), usage.SettledMinor);
            Assert.True(usage.UsedMinor <= 300000, $"step {step}: {usage.UsedMinor} used of 300000");
        }

        // The run is worth its name: changes were allowed, some invoiced now, some refused for the budget.
        Assert.True(outcomes.GetValueOrDefault("allowed") >= 10, string.Join(", ", outcomes));
        Assert.True(Paid(world) > 0);
        Assert.Contains("budget_exceeded", outcomes.Keys);
    }
}
