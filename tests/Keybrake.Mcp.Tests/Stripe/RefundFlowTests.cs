using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>issue_refund end to end: real MCP client, real SQLite, Stripe.net over HTTP to the test double.</summary>
public sealed class RefundFlowTests
{
    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(StripeWorld world)
    {
        var database = new SqliteDatabase(world.DatabasePath);
        return await new SqlLedger(database, TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);
    }

    [Fact]
    public async Task Partial_refund_moves_money_stamps_metadata_and_audits_amount_and_currency()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1250, reason = "duplicate", ticket = "T-42" });
        result.AssertSuccess();
        var structured = result.Structured();
        Assert.Equal(1250, structured.GetProperty("amount").GetInt64());
        Assert.Equal("usd", structured.GetProperty("currency").GetString());
        Assert.False(structured.GetProperty("replayed").GetBoolean());

        var refund = Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.Equal(1250, (long)refund["amount"]!);
        Assert.Equal("refund-bot", (string?)refund["metadata"]!["keybrake_agent"]);
        Assert.Equal("T-42", (string?)refund["metadata"]!["keybrake_ticket"]);
        var post = Assert.Single(world.Stripe.Requests, r => r.Method == "POST");
        Assert.StartsWith("kb_", post.IdempotencyKey);

        var row = (await AuditAsync(world)).Single(r => r.Tool == "issue_refund");
        Assert.Equal(("allowed", 1250L, "USD", "refund-bot", "support-refunds"), (row.Outcome, row.Amount!.Value, row.Currency, row.Agent, row.Role));
        Assert.Equal((string?)refund["id"], row.Object);
        Assert.Equal(post.IdempotencyKey, row.IdempotencyKey);
        Assert.Equal((string?)refund["metadata"]!["keybrake_call"], row.CallId);
        Assert.StartsWith("req_", row.StripeRequestId);
        Assert.Equal("T-42", JsonNode.Parse(row.Arguments)!["ticket"]!.GetValue<string>());
    }

    [Fact]
    public async Task Full_refund_without_amount_is_held_at_the_refundable_remainder_and_capped_by_budget()
    {
        await using var world = await StripeWorld.StartAsync(agentDayBudget: "500.00 USD");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        foreach (var amount in new[] { 20000, 20000, 2000 })
        {
            var paid = world.Stripe.Account.AddPaymentIntent(world.CustomerA, amount, "usd");
            (await mcp.CallAsync("issue_refund", new { payment_intent = paid })).AssertSuccess();
        }

        // 420.00 used; a full refund of a 150.00 payment carries no amount, yet it is the 150.00 that counts.
        var big = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 15000, "usd");
        var refused = await mcp.CallAsync("issue_refund", new { payment_intent = big });
        Assert.Equal("budget_exceeded", refused.ErrorCode());
        Assert.Equal("full refund of 150.00 USD would exceed the agent's day budget: 420.00 of 500.00 USD used, nothing held", refused.ErrorMessage());
        Assert.Equal(3, world.Stripe.Account.GetRefunds().Count);
        Assert.Equal(42000, world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!));

        // A full refund of what still fits is allowed and settles at what Stripe refunded.
        var small = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 8000, "usd");
        (await mcp.CallAsync("issue_refund", new { payment_intent = small })).AssertSuccess();
        var audit = await AuditAsync(world);
        Assert.Equal(50000, audit.Where(r => r.Outcome == "allowed").Sum(r => r.Amount ?? 0));
        Assert.Contains(audit, r => r.Outcome == "denied" && r.Code == "budget_exceeded");
    }

    [Fact]
    public async Task Full_refund_above_max_amount_is_refused_before_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 25000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        var refused = await mcp.CallAsync("issue_refund", new { payment_intent = intent });
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains("above issue_refund's maxAmount of 200.00 USD", refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Refund_of_another_customers_payment_is_refused_and_never_posted()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 1000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        var refused = await mcp.CallAsync("issue_refund", new { payment_intent = intent });
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains(world.CustomerOutside, refused.ErrorMessage());
        Assert.Empty(world.Stripe.Account.GetRefunds());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");

        var read = await mcp.CallAsync("get_payment_intent", new { payment_intent = intent });
        Assert.Equal("not_allowed", read.ErrorCode());
    }

    [Fact]
    public async Task Retry_with_the_same_request_id_is_replayed_and_refunds_once()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");

        var first = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1000, request_id = "ticket-9" });
        var retry = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1000, request_id = "ticket-9" });
        first.AssertSuccess();
        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal(first.Structured().GetProperty("id").GetString(), retry.Structured().GetProperty("id").GetString());
        Assert.Single(world.Stripe.Account.GetRefunds());

        var second = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 1000, request_id = "ticket-10" });
        Assert.False(second.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal(2, world.Stripe.Account.GetRefunds().Count);
    }

    [Fact]
    public async Task Values_outside_the_schema_are_refused_even_though_the_sdk_passes_them()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 50000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");

        var tooMuch = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 20001 });
        Assert.Equal("invalid_arguments", tooMuch.ErrorCode());
        Assert.Contains("'amount' must be at most 20000; got 20001", tooMuch.ErrorMessage());
        var badReason = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 100, reason = "fraudulent" });
        Assert.Contains("'reason' must be one of", badReason.ErrorMessage());
        var both = await mcp.CallAsync("issue_refund", new { payment_intent = intent, charge = "ch_1" });
        Assert.Contains("exactly one of", both.ErrorMessage());
        Assert.Empty(world.Stripe.Requests);
    }

    [Fact]
    public async Task Stripe_permission_error_becomes_stripe_error_naming_the_permission_and_releases_the_hold()
    {
        await using var world = await StripeWorld.StartAsync();
        world.Stripe.RegisterKey(StripeWorld.RefundKey, "charges:read", "customers:read", "payment_intents:read");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 100 });
        Assert.True(result.IsError, result.Text());
        Assert.Equal("stripe_error", result.ErrorCode());
        var error = result.Structured().GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(403, error.GetProperty("stripe").GetProperty("http_status").GetInt32());
        Assert.StartsWith("req_", error.GetProperty("request_id").GetString());
        Assert.Contains("rak_refund_write", result.ErrorMessage());
        Assert.Contains("keybrake-mcp keys plan support-refunds", result.ErrorMessage());
        Assert.DoesNotContain("rk_test", result.ErrorMessage());

        var row = (await AuditAsync(world)).Single(r => r.Tool == "issue_refund");
        Assert.Equal(("failed", "stripe_error"), (row.Outcome, row.Code));
        var usage = await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System)
            .ReadUsageAsync(Keybrake.Mcp.Manifests.ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!.Roles["support-refunds"], CancellationToken.None);
        Assert.All(usage, u => Assert.Equal(0, u.UsedMinor));
    }

    [Fact]
    public async Task A_response_lost_after_stripe_refunded_leaves_the_call_unknown_and_held_until_the_retry_learns_the_outcome()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        world.Stripe.Faults.CommitThenDrop("POST", "/v1/refunds");

        var lost = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 3000, request_id = "t-1" });
        Assert.Equal("outcome_unknown", lost.ErrorCode());
        Assert.Single(world.Stripe.Account.GetRefunds());
        var row = (await AuditAsync(world)).Single(r => r.Tool == "issue_refund");
        Assert.Equal("unknown", row.Outcome);

        var retry = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 3000, request_id = "t-1" });
        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Single(world.Stripe.Account.GetRefunds());
        Assert.True(world.Stripe.Requests.Last(r => r.Method == "POST").Replayed);
        row = (await AuditAsync(world)).Single(r => r.Tool == "issue_refund");
        Assert.Equal(("allowed", 3000L), (row.Outcome, row.Amount!.Value));
    }

    [Fact]
    public async Task A_refund_loop_is_stopped_by_the_daily_budget()
    {
        // The seed's incident: an agent retrying "refund" in a loop. Each iteration is a new request (new request_id).
        await using var world = await StripeWorld.StartAsync(agentDayBudget: "500.00 USD");
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 100000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");
        var codes = new List<string?>();
        for (var i = 0; i < 25; i++)
        {
            codes.Add((await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 4500, request_id = $"loop-{i}" })).ErrorCode());
        }

        Assert.Equal(11, codes.Count(c => c is null)); // 11 x 45.00 = 495.00 fits in 500.00; the 12th would not
        Assert.All(codes.Skip(11), c => Assert.Equal("budget_exceeded", c));
        Assert.Equal(49500, world.Stripe.Account.GetRefunds().Sum(r => (long)r["amount"]!));
        Assert.Equal(11, world.Stripe.Requests.Count(r => r.Method == "POST"));
        // After its first refusal the loop cost Stripe nothing: refused before reading the intent again.
        Assert.Equal(12, world.Stripe.Requests.Count(r => r.Method == "GET" && r.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal)));
    }
}
