using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>Money safety when Stripe misbehaves: retries on the same key, unknown outcomes held, reconciliation.</summary>
public sealed class FaultTests
{
    private static SqlLedger Ledger(StripeWorld world) => new(new SqliteDatabase(world.DatabasePath), TimeProvider.System);

    private static async Task<AuditRecord> RefundRowAsync(StripeWorld world) =>
        (await Ledger(world).ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Single(r => r.Tool == "issue_refund");

    private static async Task<BudgetUsage> AgentUsageAsync(StripeWorld world) =>
        (await Ledger(world).ReadUsageAsync(ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["support-refunds"], CancellationToken.None))
        .Single(u => u.Agent == "refund-bot");

    private static Task<int> ReconcileAsync(StripeWorld world, IReadOnlyDictionary<string, string?>? env = null) =>
        KeybrakeCli.RunAsync(["reconcile", "--older-than", "0s"], n => (env ?? world.Environment()).GetValueOrDefault(n), new StringWriter(), new StringWriter());

    [Theory]
    [InlineData(429, "invalid_request_error", "rate_limit")]
    [InlineData(409, "invalid_request_error", "lock_timeout")]
    [InlineData(500, "api_error", null)]
    public async Task Not_now_answers_are_retried_with_the_same_idempotency_key(int status, string type, string? code)
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        // 409 and 5xx are retried by Stripe.net (its network retries), 429 by us: two of either, then the refund.
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot", WithNetworkRetries(world, 2));
        world.Stripe.Faults.Status("POST", "/v1/refunds", status, type, code, times: 2);

        (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1000 })).AssertSuccess();
        var posts = world.Stripe.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(3, posts.Count);
        Assert.Single(posts.Select(p => p.IdempotencyKey).Distinct());
        Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.Equal(("allowed", 1000L), ((await RefundRowAsync(world)).Outcome, (await RefundRowAsync(world)).Amount!.Value));
    }

    [Theory]
    [InlineData(500, "api_error", null)]
    [InlineData(409, "invalid_request_error", "lock_timeout")]
    public async Task A_persistent_not_now_answer_is_retried_in_one_place_only(int status, string type, string? code)
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot", WithNetworkRetries(world, 2));
        world.Stripe.Faults.Status("POST", "/v1/refunds", status, type, code, times: 100);

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1000 });

        // Stripe.net's first attempt and its 2 retries, and no retries of ours on top (there were 4 x 3 = 12).
        Assert.Equal(3, world.Stripe.Requests.Count(r => r.Method == "POST"));
        Assert.NotNull(result.ErrorCode());
    }

    private static Dictionary<string, string?> WithNetworkRetries(StripeWorld world, int retries) =>
        new(world.Environment()) { ["KEYBRAKE_STRIPE_MAX_RETRIES"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task Persistent_5xx_leaves_the_outcome_unknown_and_the_money_held_until_reconcile_sends_it_again_with_its_key()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        world.Stripe.Faults.Status("POST", "/v1/refunds", 500, "api_error", times: 10);

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 2500 });
        Assert.Equal("outcome_unknown", result.ErrorCode());
        Assert.Contains("answered 500", result.ErrorMessage());
        Assert.Equal("unknown", (await RefundRowAsync(world)).Outcome);
        Assert.Equal(2500, (await AgentUsageAsync(world)).HeldMinor);

        // Stripe never executed it (its 500s came before): the request sent again with its key is done now, once, under the
        // hold it already has; the ledger says so, with the money Stripe moved.
        world.Stripe.Faults.Clear();
        Assert.Equal(0, await ReconcileAsync(world));
        var row = await RefundRowAsync(world);
        Assert.Equal(("allowed", 2500L), (row.Outcome, row.Amount));
        Assert.Equal(2500, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
        Assert.Single(world.Stripe.Requests.Where(r => r.Path == "/v1/refunds").Select(r => r.IdempotencyKey).Distinct());
        Assert.Equal((2500L, 0L), ((await AgentUsageAsync(world)).SettledMinor, (await AgentUsageAsync(world)).HeldMinor));
    }

    [Fact]
    public async Task A_card_error_settles_as_failed_with_stripes_code_and_releases_the_hold()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        world.Stripe.Faults.Status("POST", "/v1/refunds", 402, "card_error", "expired_card", "Your card has expired.");

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 2500 });
        Assert.Equal("stripe_error", result.ErrorCode());
        Assert.Equal("card_error", result.Structured().GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("expired_card", result.Structured().GetProperty("error").GetProperty("stripe_code").GetString());
        Assert.Equal(1, world.Stripe.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(("failed", "stripe_error"), ((await RefundRowAsync(world)).Outcome, (await RefundRowAsync(world)).Code));
        Assert.Equal(0, (await AgentUsageAsync(world)).UsedMinor);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_timeout_after_sending_is_held_then_reconciled_through_stripes_idempotency(bool stripeApplied)
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var env = world.Environment(timeoutMs: 400);
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot", env);
        world.Stripe.Faults.Delay("POST", "/v1/refunds", TimeSpan.FromMilliseconds(1500), applyChange: stripeApplied);

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1800 });
        Assert.Equal("outcome_unknown", result.ErrorCode());
        Assert.Equal(1800, (await AgentUsageAsync(world)).HeldMinor);
        await Task.Delay(1500); // let the delayed request land (or not) at Stripe

        // Applied: Stripe answers the request sent again with its key with the refund it made. Dropped unapplied: the
        // request is done now, once. Either way one refund, counted exactly.
        Assert.Equal(0, await ReconcileAsync(world, env));
        var row = await RefundRowAsync(world);
        var usage = await AgentUsageAsync(world);
        Assert.Equal(("allowed", 1800L), (row.Outcome, row.Amount!.Value));
        Assert.Equal((1800L, 0L), (usage.SettledMinor, usage.HeldMinor));
        Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.Equal(stripeApplied, world.Stripe.Requests.Any(r => r.Path == "/v1/refunds" && r.Replayed));
    }

    [Fact]
    public async Task The_next_call_on_the_same_payment_settles_the_unknown_one_first()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 10000, "usd");
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_RECONCILE_GRACE_SECONDS"] = "0" };
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot", env);
        world.Stripe.Faults.CommitThenDrop("POST", "/v1/refunds");
        Assert.Equal("outcome_unknown", (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 4000 })).ErrorCode());

        // A full refund of the rest: the 40.00 already refunded must be known before the remainder is computed.
        var rest = await mcp.CallAsync("issue_refund", new { payment_intent = intent });
        rest.AssertSuccess();
        Assert.Equal(6000, rest.Structured().GetProperty("amount").GetInt64());
        var rows = (await Ledger(world).ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Where(r => r.Tool == "issue_refund").ToList();
        Assert.Equal([("allowed", 4000L), ("allowed", 6000L)], rows.Select(r => (r.Outcome, r.Amount ?? 0)));
        Assert.Equal(10000, (await AgentUsageAsync(world)).SettledMinor);
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task A_restarted_server_reconciles_what_the_last_run_left_unknown()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_RECONCILE_GRACE_SECONDS"] = "0" };
        await using (var mcp = await McpHarness.StartAsync(world, "refund-bot", env))
        {
            world.Stripe.Faults.CommitThenDrop("POST", "/v1/refunds");
            Assert.Equal("outcome_unknown", (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 700 })).ErrorCode());
        }

        await using var restarted = await BuiltTool.ServeAsync("refund-bot", env);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await RefundRowAsync(world)).Outcome == "unknown" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(("allowed", 700L), ((await RefundRowAsync(world)).Outcome, (await RefundRowAsync(world)).Amount!.Value));
    }

    [Fact]
    public async Task Reconcile_says_when_unknown_calls_are_only_too_young_and_how_to_include_them()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        world.Stripe.Faults.CommitThenDrop("POST", "/v1/refunds");
        Assert.Equal("outcome_unknown", (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 300 })).ErrorCode());

        var output = new StringWriter();
        var code = await KeybrakeCli.RunAsync(["reconcile"], n => world.Environment().GetValueOrDefault(n), output, new StringWriter());

        Assert.Equal(0, code);
        Assert.Contains("nothing to reconcile yet: 1 call(s) with an unknown outcome started less than 120 s ago", output.ToString());
        Assert.Contains("keybrake-mcp reconcile --older-than 0s", output.ToString());
        Assert.Equal("unknown", (await RefundRowAsync(world)).Outcome);
    }

    [Fact]
    public async Task A_row_whose_arguments_the_tool_cannot_read_stays_unknown_and_the_rest_are_still_reconciled()
    {
        await using var world = await StripeWorld.StartAsync();
        (await Keybrake.Mcp.Ledger.LedgerDatabases.OpenMigratedAsync(Keybrake.Mcp.Ledger.LedgerLocation.Parse(world.DatabasePath), null, CancellationToken.None)).Dispose();
        var ledger = Ledger(world);
        // Not written by this pipeline, which parses validated arguments only: a number where an id belongs.
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(new CallStart
        {
            CallId = "call_odd", Who = new CallIdentity("refund-bot", "support-refunds"), Tool = "issue_refund",
            Arguments = """{"payment_intent":5,"amount":100}""", RetryHorizon = DateTimeOffset.MinValue, IdempotencyKey = "kb_odd",
            Hold = Keybrake.Mcp.Money.MoneyAmount.Parse("1.00 USD"),
        }, CancellationToken.None));

        var code = await ReconcileAsync(world);

        Assert.Equal(1, code); // one call stays unknown: reconcile finished, and says so
        var row = (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Single(r => r.CallId == "call_odd");
        Assert.Equal("unknown", row.Outcome);
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
    }
}
