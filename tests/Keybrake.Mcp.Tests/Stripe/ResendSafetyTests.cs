using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;
using Stripe;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>
/// A request whose outcome is unknown is sent again (by the agent's retry, by reconcile) only when that is safe, and only
/// Stripe's own answer about it settles it: an error Stripe gives before it looks at the idempotency key says nothing; a
/// subscription changed since is not changed back; a call still at Stripe is not raced; completions never overwrite one another.
/// </summary>
public sealed class ResendSafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<StripeWorld> WorldAsync()
    {
        var world = await StripeWorld.StartAsync();
        world.EditManifest("subscriptions", m =>
        {
            m["budgets"] = new JsonArray(new JsonObject { ["per"] = "agent", ["window"] = "day", ["limit"] = "300.00 USD" });
            m["tools"]!["change_plan"] = new JsonObject
            {
                ["prices"] = new JsonArray(world.PriceHobby, world.PriceTeam),
                ["prorationBehaviors"] = new JsonArray("create_prorations", "none", "always_invoice"),
                ["maxQuantity"] = 10,
            };
            m["tools"]!["update_subscription_quantity"] = new JsonObject { ["maxQuantity"] = 10 };
        });
        return world;
    }

    private static SqlLedger Ledger(StripeWorld world) => new(new SqliteDatabase(world.DatabasePath), TimeProvider.System);

    private static async Task<SqlLedger> NewLedgerAsync(StripeWorld world)
    {
        var database = new SqliteDatabase(world.DatabasePath);
        await database.MigrateAsync(Ct);
        return new SqlLedger(database, TimeProvider.System);
    }

    private static async Task<AuditRecord> RowAsync(StripeWorld world, string tool) =>
        (await Ledger(world).ReadAuditAsync(new AuditQuery(), Ct)).Last(r => r.Tool == tool && r.IdempotencyKey is not null);

    private static async Task<BudgetUsage> UsageAsync(StripeWorld world) =>
        (await Ledger(world).ReadUsageAsync(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["subscriptions"], Ct))
        .Single(u => u.Agent == "plan-bot");

    private static long Paid(StripeWorld world) => world.Stripe.Account.GetInvoices().Sum(i => (long)i["amount_paid"]!);

    private static async Task<int> ReconcileAsync(StripeWorld world)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = await KeybrakeCli.RunAsync(["reconcile", "--older-than", "0s"], world.Env, output, error);
        TestContext.Current.TestOutputHelper?.WriteLine($"reconcile: exit {code}\n{output}\n{error}");
        return code;
    }

    private static void RateLimitStripe(StripeWorld world, string subscription) =>
        world.Stripe.Faults.Status("POST", "/v1/subscriptions/" + subscription, 429, "invalid_request_error", "rate_limit", times: 100);

    [Fact]
    public async Task A_retry_refused_by_a_rate_limit_keeps_the_call_unknown_and_its_money_held()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var arguments = new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice", request_id = "r-1" };
        world.Stripe.Faults.CommitThenDrop("POST", "/v1/subscriptions/" + subscription);
        Assert.Equal("outcome_unknown", (await mcp.CallAsync("change_plan", arguments)).ErrorCode());
        var held = (await UsageAsync(world)).HeldMinor;
        Assert.True(held > 0 && Paid(world) == held, $"held {held}, Stripe collected {Paid(world)}");

        // Stripe's rate limiter answers the retry before its idempotency layer: that says nothing about the first attempt.
        RateLimitStripe(world, subscription);
        Assert.Equal("outcome_unknown", (await mcp.CallAsync("change_plan", arguments)).ErrorCode());
        Assert.Equal("unknown", (await RowAsync(world, "change_plan")).Outcome);
        Assert.Equal((0L, held), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));

        // Once Stripe answers, the retry is settled on its stored answer: what the first attempt collected.
        world.Stripe.Faults.Clear();
        (await mcp.CallAsync("change_plan", arguments)).AssertSuccess();
        Assert.Equal((Paid(world), 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task Reconcile_refused_by_a_rate_limit_leaves_the_call_unknown_and_exits_1()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using (var mcp = await McpHarness.StartAsync(world, "plan-bot"))
        {
            world.Stripe.Faults.CommitThenDrop("POST", "/v1/subscriptions/" + subscription);
            Assert.Equal("outcome_unknown", (await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice" })).ErrorCode());
        }

        RateLimitStripe(world, subscription);
        Assert.Equal(1, await ReconcileAsync(world));
        Assert.Equal("unknown", (await RowAsync(world, "change_plan")).Outcome);
        Assert.Equal(Paid(world), (await UsageAsync(world)).HeldMinor);

        world.Stripe.Faults.Clear();
        Assert.Equal(0, await ReconcileAsync(world));
        Assert.Equal("allowed", (await RowAsync(world, "change_plan")).Outcome);
        Assert.Equal((Paid(world), 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task Reconcile_does_not_replay_a_change_whose_subscription_was_changed_since()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using (var mcp = await McpHarness.StartAsync(world, "plan-bot"))
        {
            // An earlier change through Keybrake stamps the subscription with its call.
            (await mcp.CallAsync("update_subscription_quantity", new { subscription, quantity = 2, proration_behavior = "none" })).AssertSuccess();

            // The request is lost before Stripe applies it: outcome unknown.
            world.Stripe.Faults.Delay("POST", "/v1/subscriptions/" + subscription, TimeSpan.FromMilliseconds(50), applyChange: false);
            Assert.Equal("outcome_unknown", (await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, proration_behavior = "none" })).ErrorCode());
        }

        // Someone changes the subscription in the dashboard meanwhile: three seats of hobby.
        var dashboard = new StripeClient(new StripeClientOptions { ApiKey = StripeWorld.PlansKey, ApiBase = world.Stripe.BaseUrl.ToString() });
        var item = world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["id"]!.GetValue<string>();
        await dashboard.V1.Subscriptions.UpdateAsync(subscription, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item, Quantity = 3 }], ProrationBehavior = "none",
        }, cancellationToken: Ct);

        // Sending the plan change now would do it now, on a state it never saw; and the stamp on the subscription is the earlier
        // call's, which proves nothing either way: it stays unknown, its money held, for the operator.
        Assert.Equal(1, await ReconcileAsync(world));
        var now = world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!;
        Assert.Equal((world.PriceHobby, 3L), ((string?)now["price"]!["id"], (long)now["quantity"]!));
        Assert.Equal("unknown", (await RowAsync(world, "change_plan")).Outcome);
    }

    [Fact]
    public async Task A_second_change_waits_while_an_earlier_one_on_the_subscription_is_unknown()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceTeam, quantity: 5);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        world.Stripe.Faults.Delay("POST", "/v1/subscriptions/" + subscription, TimeSpan.FromMilliseconds(50), applyChange: false);
        Assert.Equal("outcome_unknown",
            (await mcp.CallAsync("update_subscription_quantity", new { subscription, quantity = 10, proration_behavior = "always_invoice" })).ErrorCode());
        var first = await RowAsync(world, "update_subscription_quantity");

        // A plan change prepared now would be billed against whatever the first one still does: refused, naming it.
        var second = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceHobby, quantity = 5, proration_behavior = "none" });
        Assert.Equal("outcome_unknown", second.ErrorCode());
        Assert.Contains(first.CallId, second.ErrorMessage());
        Assert.Equal((world.PriceTeam, 5L), ((string?)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["price"]!["id"],
            (long)world.Stripe.Account.GetSubscription(subscription)!["items"]!["data"]![0]!["quantity"]!));

        // Settled (the first never arrived, so reconcile does it now, once, under its hold), the next change goes ahead.
        Assert.Equal(0, await ReconcileAsync(world));
        (await mcp.CallAsync("change_plan", new { subscription, price = world.PriceHobby, quantity = 5, proration_behavior = "none" })).AssertSuccess();
        var usage = await UsageAsync(world);
        Assert.Equal((Paid(world), 0L), (usage.SettledMinor, usage.HeldMinor));
    }

    [Fact]
    public async Task A_retry_while_the_first_attempt_is_still_at_Stripe_does_not_race_it()
    {
        await using var world = await WorldAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        var arguments = new { subscription, price = world.PriceTeam, proration_behavior = "always_invoice", request_id = "r-2" };
        var atStripe = world.Stripe.Faults.Delay("POST", "/v1/subscriptions/" + subscription, TimeSpan.FromSeconds(2));
        var first = mcp.CallAsync("change_plan", arguments);
        while (atStripe.Remaining > 0)
        {
            await Task.Delay(10, Ct);
        }

        RateLimitStripe(world, subscription);
        var second = await mcp.CallAsync("change_plan", arguments);
        Assert.Equal("outcome_unknown", second.ErrorCode());
        Assert.Contains("still in progress", second.ErrorMessage());
        Assert.True((await UsageAsync(world)).HeldMinor > 0);

        (await first).AssertSuccess();
        var row = await RowAsync(world, "change_plan");
        var usage = await UsageAsync(world);
        Assert.Equal(("allowed", Paid(world)), (row.Outcome, row.Amount!.Value));
        Assert.Equal((Paid(world), 0L), (usage.SettledMinor, usage.HeldMinor));
    }

    [Fact]
    public async Task A_completion_after_another_one_changes_nothing()
    {
        await using var world = await WorldAsync();
        var ledger = await NewLedgerAsync(world);
        var who = new CallIdentity("plan-bot", "subscriptions");
        var budgets = ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["subscriptions"].Budgets;
        await ledger.StartCallAsync(new CallStart
        {
            CallId = "call_race", Who = who, Tool = "change_plan", Arguments = "{}", RetryHorizon = DateTimeOffset.MinValue, IdempotencyKey = "kb_race",
            Hold = new Keybrake.Mcp.Money.MoneyAmount(4000, Keybrake.Mcp.Money.Currency.Get("USD")), Budgets = budgets, Object = "sub_race",
        }, Ct);

        // The first answer releases (nothing moved); a late one that claims money must not overwrite it, and the reverse.
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_race", Outcome = AuditOutcomes.Failed, Code = "stripe_error", DurationMs = 1 }, Ct);
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_race", Outcome = AuditOutcomes.Allowed, MovedMinor = 4000, Currency = "usd", DurationMs = 2 }, Ct);
        var row = (await ledger.ReadAuditAsync(new AuditQuery(), Ct)).Single(r => r.CallId == "call_race");
        Assert.Equal(("failed", (long?)null), (row.Outcome, row.Amount));
        Assert.Equal((0L, 0L), ((await UsageAsync(world)).SettledMinor, (await UsageAsync(world)).HeldMinor));
        Assert.True((await ledger.VerifyChainAsync(Ct)).Ok);
    }
}
