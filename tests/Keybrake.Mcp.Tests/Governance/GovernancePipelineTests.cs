using Keybrake.Mcp.Ledger.Sqlite;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance;

public sealed class GovernancePipelineTests
{
    private static JsonObject Refund(long amount, string? requestId = null)
    {
        var args = new JsonObject { ["payment_intent"] = "pi_123", ["amount"] = amount };
        if (requestId is not null)
        {
            args["request_id"] = requestId;
        }

        return args;
    }

    [Fact]
    public async Task Refuses_unknown_agent_and_audits_it()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var response = await f.CallAsync("ghost", Refund(100));
        Assert.True(response.IsError);
        Assert.Equal("unknown_agent", response.Code());
        Assert.Contains("ghost", response.Message());
        Assert.Equal(0, f.Operation.Executions);
        var row = Assert.Single(await f.AuditAsync());
        Assert.Equal(("denied", "unknown_agent", "ghost"), (row.Outcome, row.Code, row.Agent));
    }

    [Fact]
    public async Task Refuses_revoked_agent_on_its_next_call_and_serves_again_after_reinstate()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        Assert.False((await f.CallAsync("refund-bot", Refund(100))).IsError);
        await f.Ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "runaway loop", CancellationToken.None);

        var refused = await f.CallAsync("refund-bot", Refund(200));
        Assert.Equal("revoked", refused.Code());
        Assert.Contains("runaway loop", refused.Message());
        Assert.False((await f.CallAsync("refund-bot-2", Refund(300))).IsError);

        await f.Ledger.ReinstateAsync(RevocationScopes.Agent("refund-bot"), CancellationToken.None);
        Assert.False((await f.CallAsync("refund-bot", Refund(400))).IsError);
        Assert.Equal(3, f.Operation.Executions);
    }

    [Fact]
    public async Task Role_revocation_covers_every_agent_of_the_role()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        await f.Ledger.RevokeAsync(RevocationScopes.Role("support-refunds"), null, CancellationToken.None);
        Assert.Equal("revoked", (await f.CallAsync("refund-bot", Refund(100))).Code());
        Assert.Equal("revoked", (await f.CallAsync("refund-bot-2", Refund(100))).Code());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task Refuses_a_tool_the_role_was_not_granted()
    {
        using var f = new PipelineFixture(Roles.Refunds(), new FakeOperation("capture_payment_intent"));
        var response = await f.CallAsync("refund-bot", Refund(100));
        Assert.Equal("not_allowed", response.Code());
        Assert.Contains("capture_payment_intent", response.Message());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Theory]
    [InlineData("{\"payment_intent\":\"pi_1\",\"amount\":20001}", "'amount' must be at most 20000")]
    [InlineData("{\"payment_intent\":\"pi_x\\n\"}", "'payment_intent' must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$; got \"pi_x\\n\"")]
    [InlineData("{\"payment_intent\":\"pi x\"}", "'payment_intent' must match")]
    [InlineData("{\"payment_intent\":\"_pi_x\"}", "'payment_intent' must match")]
    [InlineData("{\"payment_intent\":\"pi_x/../refunds\"}", "'payment_intent' must match")]
    [InlineData("{\"payment_intent\":\"pi_1\",\"amount\":\"10\"}", "'amount' must be an integer")]
    [InlineData("{\"payment_intent\":\"pi_1\",\"destination\":\"acct_1\"}", "'destination' is not an argument")]
    [InlineData("{\"amount\":100}", "'payment_intent' is required")]
    [InlineData("{\"payment_intent\":\"pi_1\",\"amount\":0}", "'amount' must be at least 1")]
    [InlineData("{\"payment_intent\":\"pi_1\",\"destin\\nation\":\"acct_1\"}", "'destin\\nation' is not an argument")]
    public async Task Refuses_arguments_outside_the_generated_schema(string json, string expected)
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var response = await f.CallAsync("refund-bot", (JsonObject)JsonNode.Parse(json)!);
        Assert.Equal("invalid_arguments", response.Code());
        Assert.Contains(expected, response.Message());
        Assert.Equal(0, f.Operation.Executions);
        Assert.Equal("denied", Assert.Single(await f.AuditAsync()).Outcome);
    }

    [Theory]
    [InlineData("pi_1")]
    [InlineData("ch_1")]
    [InlineData("py_3QxY_ab12_CD34efGH")]
    [InlineData("basic-monthly")]
    [InlineData("pi.v2")]
    [InlineData("0123")]
    public async Task Accepts_ids_of_any_shape_stripe_may_issue(string id)
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var response = await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = id, ["amount"] = 100 });
        Assert.False(response.IsError, response.Message());
        Assert.Equal(1, f.Operation.Executions);
    }

    [Fact]
    public async Task A_null_argument_counts_as_absent_as_clients_with_strict_schemas_send_them()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var response = await f.CallAsync("refund-bot", (JsonObject)JsonNode.Parse("""{"payment_intent":"pi_1","amount":100,"request_id":null}""")!);
        Assert.False(response.IsError, response.Message());
        Assert.Equal("""{"amount":100,"payment_intent":"pi_1"}""", Assert.Single(await f.AuditAsync()).Arguments);

        var missing = await f.CallAsync("refund-bot", (JsonObject)JsonNode.Parse("""{"payment_intent":null,"amount":100}""")!);
        Assert.Equal("invalid_arguments", missing.Code());
        Assert.Contains("'payment_intent' is required", missing.Message());
    }

    [Fact]
    public async Task Ids_run_to_255_characters_and_no_further()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var longest = "pi_" + new string('a', 252);
        Assert.False((await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = longest, ["amount"] = 100 })).IsError);
        var tooLong = await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = longest + "a", ["amount"] = 100, ["request_id"] = "2" });
        Assert.Equal("invalid_arguments", tooLong.Code());
        Assert.Contains("at most 255 characters", tooLong.Message());
        Assert.Equal(1, f.Operation.Executions);
    }

    [Fact]
    public async Task Refuses_a_record_outside_the_customer_scope()
    {
        using var f = new PipelineFixture(Roles.Refunds(customers: ["cus_B"]));
        var response = await f.CallAsync("refund-bot", Refund(100));
        Assert.Equal("not_allowed", response.Code());
        Assert.Contains("cus_A", response.Message());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task Caps_the_resolved_amount_of_a_full_refund_by_max_amount()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Resolve = _ => new Resolution { Object = "pi_1", Scoped = true, Customer = "cus_A", Action = "full refund", Moves = MoneyAmount.Parse("250.00 USD") };
        var response = await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = "pi_1" });
        Assert.Equal("not_allowed", response.Code());
        Assert.Contains("full refund of 250.00 USD is above issue_refund's maxAmount of 200.00 USD", response.Message());
    }

    [Fact]
    public async Task Refuses_a_currency_the_role_has_no_budget_in()
    {
        using var f = new PipelineFixture(Roles.Refunds(grant: new ToolGrant()));
        f.Operation.Resolve = _ => new Resolution { Object = "pi_1", Scoped = true, Customer = "cus_A", Action = "refund", Moves = MoneyAmount.Parse("5000 JPY") };
        var response = await f.CallAsync("refund-bot", Refund(5000));
        Assert.Equal("not_allowed", response.Code());
        Assert.Contains("budgets only in USD", response.Message());
    }

    [Fact]
    public async Task Budget_stops_the_call_that_would_exceed_it_and_names_the_numbers()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await f.CallAsync("refund-bot", Refund(14000, $"r{i}"))).IsError);
        }

        var response = await f.CallAsync("refund-bot", Refund(15000, "r3"));
        Assert.Equal("budget_exceeded", response.Code());
        Assert.Equal("refund of 150.00 USD would exceed the agent's day budget: 420.00 of 500.00 USD used, nothing held", response.Message());
        Assert.Equal(8000, response.Structured["error"]!["remaining"]!.GetValue<long>());
        Assert.Equal(3, f.Operation.Executions);

        Assert.False((await f.CallAsync("refund-bot", Refund(8000, "r4"))).IsError);
        var usage = await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None);
        Assert.Equal(50000, usage.Single(u => u.Agent == "refund-bot").UsedMinor);
    }

    [Fact]
    public async Task Once_refused_for_a_spent_budget_an_agent_is_refused_before_resolving_and_told_the_numbers()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Least = call => JsonNumbers.TryGetInt64(call.Arguments["amount"], out var amount) ? amount : 1;
        foreach (var (amount, id) in new[] { (20000L, "a"), (20000L, "b"), (5000L, "c") })
        {
            Assert.False((await f.CallAsync("refund-bot", Refund(amount, id))).IsError);
        }

        // The first refusal reads the amount as usual; it also marks the agent's budget as spent.
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(5001, "d"))).Code());
        Assert.Equal(4, f.Operation.Resolutions);

        var refused = await f.CallAsync("refund-bot", Refund(5001, "e"));
        Assert.Equal("budget_exceeded", refused.Code());
        Assert.Equal("issue_refund would exceed the agent's day budget: 450.00 of 500.00 USD used, nothing held, 50.00 left, and this call moves at least 50.01",
            refused.Message());
        Assert.Equal((50000L, 45000L, 5000L), (refused.Structured["error"]!["limit"]!.GetValue<long>(),
            refused.Structured["error"]!["used"]!.GetValue<long>(), refused.Structured["error"]!["remaining"]!.GetValue<long>()));
        Assert.Equal(4, f.Operation.Resolutions); // refused on the ledger's numbers alone: nothing was read from Stripe
        Assert.Contains(await f.AuditAsync(), r => r.Outcome == "denied" && r.Code == "budget_exceeded" && r.Message == refused.Message());

        // What still fits goes through the whole pipeline as before.
        Assert.False((await f.CallAsync("refund-bot", Refund(5000, "f"))).IsError);
        Assert.Equal(5, f.Operation.Resolutions);
    }

    [Fact]
    public async Task Sixteen_concurrent_callers_in_one_process_spend_exactly_the_budget()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var allowed = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                var response = await f.CallAsync("refund-bot", Refund(4500, $"c{c}-{i}"));
                if (!response.IsError)
                {
                    Interlocked.Increment(ref allowed);
                }
                else
                {
                    Assert.Equal("budget_exceeded", response.Code());
                }
            }
        })));

        Assert.Equal(11, allowed); // 11 x 45.00 = 495.00 of 500.00
        Assert.Equal(11, f.Operation.Executions);
        var usage = (await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");
        Assert.Equal((49500L, 0L), (usage.SettledMinor, usage.HeldMinor));
        Assert.True((await f.Ledger.VerifyChainAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Budget_window_rolls_over_after_24_hours()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        Assert.False((await f.CallAsync("refund-bot", Refund(20000, "a"))).IsError);
        Assert.False((await f.CallAsync("refund-bot", Refund(20000, "b"))).IsError);
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(20000, "c"))).Code());
        f.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(20000, "c"))).Code());
        // Spend is counted in hourly buckets for day budgets: it leaves the window with its whole hour, so a budget
        // may refuse up to an hour late, never let money through early.
        f.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(20000, "c"))).Code());
        f.Clock.Advance(TimeSpan.FromHours(1));
        Assert.False((await f.CallAsync("refund-bot", Refund(20000, "c"))).IsError);
    }

    [Fact]
    public async Task Settles_the_money_stripe_moved_not_the_amount_held()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Resolve = _ => new Resolution { Object = "pi_1", Scoped = true, Customer = "cus_A", Action = "refund", Moves = MoneyAmount.Parse("100.00 USD") };
        f.Operation.Execute = (_, _) => new ExecutionResult.Succeeded(new JsonObject { ["id"] = "re_1" }, MoneyAmount.Parse("60.00 USD"), "re_1", "req_1");
        Assert.False((await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = "pi_1" })).IsError);

        var row = Assert.Single(await f.AuditAsync());
        Assert.Equal(("allowed", 6000L, "USD", "re_1", "req_1"), (row.Outcome, row.Amount!.Value, row.Currency, row.Object, row.StripeRequestId));
        var usage = (await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");
        Assert.Equal((6000L, 0L), (usage.SettledMinor, usage.HeldMinor));
    }

    [Fact]
    public async Task A_stripe_refusal_releases_the_hold_and_is_audited_failed()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Execute = (_, _) => new ExecutionResult.Failed(new Denial("stripe_error", "Stripe refused the request: card declined"), "req_9");
        var response = await f.CallAsync("refund-bot", Refund(10000));
        Assert.Equal("stripe_error", response.Code());
        var row = Assert.Single(await f.AuditAsync());
        Assert.Equal(("failed", "stripe_error", "req_9"), (row.Outcome, row.Code, row.StripeRequestId));
        Assert.Null(row.Amount);
        var usage = (await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");
        Assert.Equal(0, usage.UsedMinor);
    }

    [Fact]
    public async Task An_unknown_outcome_keeps_the_money_held_and_a_retry_resends_with_the_same_key()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Execute = (_, _) => new ExecutionResult.Unknown("issue_refund");
        var first = await f.CallAsync("refund-bot", Refund(10000, "ticket-7"));
        Assert.Equal("outcome_unknown", first.Code());
        Assert.Equal("unknown", Assert.Single(await f.AuditAsync()).Outcome);
        var usage = (await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");
        Assert.Equal(10000, usage.HeldMinor);

        f.Operation.Execute = (call, keys) => new ExecutionResult.Succeeded(new JsonObject { ["id"] = "re_1" }, MoneyAmount.Parse("100.00 USD"), "re_1", "req_2");
        var retry = await f.CallAsync("refund-bot", Refund(10000, "ticket-7"));
        Assert.False(retry.IsError);
        Assert.True(retry.Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(2, f.Operation.Executions);
        Assert.Equal(f.Operation.Executed[0].IdempotencyKey, f.Operation.Executed[1].IdempotencyKey);
        var row = Assert.Single(await f.AuditAsync());
        Assert.Equal(("allowed", 10000L), (row.Outcome, row.Amount!.Value));
        usage = (await f.Ledger.ReadUsageAsync(Roles.Refunds(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");
        Assert.Equal((10000L, 0L), (usage.SettledMinor, usage.HeldMinor));
    }

    [Fact]
    public async Task A_retry_of_a_request_that_moved_money_is_answered_from_the_ledger()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        var first = await f.CallAsync("refund-bot", Refund(10000, "ticket-1"));
        var again = await f.CallAsync("refund-bot", Refund(10000, "ticket-1"));
        Assert.False(again.IsError);
        Assert.False(first.Structured["replayed"]!.GetValue<bool>());
        Assert.True(again.Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(first.Structured["id"]!.GetValue<string>(), again.Structured["id"]!.GetValue<string>());
        Assert.Equal(1, f.Operation.Executions);

        // A new request_id is a second, deliberate refund.
        Assert.False((await f.CallAsync("refund-bot", Refund(10000, "ticket-2"))).Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(2, f.Operation.Executions);
        Assert.NotEqual(f.Operation.Executed[0].IdempotencyKey, f.Operation.Executed[1].IdempotencyKey);
    }

    [Fact]
    public async Task Identical_calls_without_request_id_are_one_request_for_ten_minutes()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        await f.CallAsync("refund-bot", Refund(5000));
        f.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.True((await f.CallAsync("refund-bot", Refund(5000))).Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(1, f.Operation.Executions);
        f.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False((await f.CallAsync("refund-bot", Refund(5000))).Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(2, f.Operation.Executions);
        Assert.NotEqual(f.Operation.Executed[0].IdempotencyKey, f.Operation.Executed[1].IdempotencyKey);
    }

    [Fact]
    public async Task A_refused_request_is_evaluated_afresh_on_retry()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        f.Operation.Execute = (_, _) => new ExecutionResult.Failed(new Denial("stripe_error", "lock"), null);
        Assert.True((await f.CallAsync("refund-bot", Refund(1000, "x"))).IsError);
        f.Operation.Execute = (_, keys) => new ExecutionResult.Succeeded(new JsonObject { ["id"] = "re_2" }, MoneyAmount.Parse("10.00 USD"), "re_2", null);
        var retry = await f.CallAsync("refund-bot", Refund(1000, "x"));
        Assert.False(retry.IsError);
        Assert.False(retry.Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(2, f.Operation.Executions);
    }

    [Fact]
    public async Task Rate_limit_refuses_with_retry_after_and_reaches_no_tool()
    {
        var limits = ImmutableArray.Create(new RateLimit(LimitScope.Agent, 2, RollingWindow.Minute));
        using var f = new PipelineFixture(Roles.Refunds(rateLimits: limits));
        Assert.False((await f.CallAsync("refund-bot", Refund(100, "1"))).IsError);
        f.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.False((await f.CallAsync("refund-bot", Refund(100, "2"))).IsError);
        var refused = await f.CallAsync("refund-bot", Refund(100, "3"));
        Assert.Equal("rate_limited", refused.Code());
        // Calls are counted in 1 s buckets: the first call's bucket leaves the minute 41 s from now.
        Assert.Equal(41, refused.Structured["error"]!["retry_after_seconds"]!.GetValue<long>());
        Assert.False((await f.CallAsync("refund-bot-2", Refund(100, "3"))).IsError);
        f.Clock.Advance(TimeSpan.FromSeconds(41));
        Assert.False((await f.CallAsync("refund-bot", Refund(100, "3"))).IsError);
        Assert.Equal(4, f.Operation.Executions);
    }

    [Fact]
    public async Task Concurrent_callers_never_get_more_calls_through_than_the_rate_limit()
    {
        // The check before Stripe is a read; the exact check-and-count happens in each call's own start transaction.
        var limits = ImmutableArray.Create(new RateLimit(LimitScope.Role, 5, RollingWindow.Minute));
        using var f = new PipelineFixture(Roles.Refunds(rateLimits: limits));
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => f.CallAsync(i % 2 == 0 ? "refund-bot" : "refund-bot-2", Refund(100, $"c{i}")))));
        Assert.Equal(5, responses.Count(r => !r.IsError));
        Assert.All(responses.Where(r => r.IsError), r => Assert.Equal("rate_limited", r.Code()));
        Assert.Equal(5, f.Operation.Executions);
    }

    [Fact]
    public async Task A_call_refused_after_the_rate_check_still_counts_against_the_rate_limit()
    {
        var limits = ImmutableArray.Create(new RateLimit(LimitScope.Agent, 2, RollingWindow.Minute));
        using var f = new PipelineFixture(Roles.Refunds(rateLimits: limits));
        f.Operation.Resolve = _ => new Resolution { Object = "pi_1", Scoped = true, Customer = "cus_A", Action = "refund", Moves = MoneyAmount.Parse("250.00 USD") };
        Assert.Equal("not_allowed", (await f.CallAsync("refund-bot", Refund(100, "a"))).Code()); // above maxAmount, once resolved
        Assert.Equal("not_allowed", (await f.CallAsync("refund-bot", Refund(100, "b"))).Code());
        Assert.Equal("rate_limited", (await f.CallAsync("refund-bot", Refund(100, "c"))).Code());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task Fails_closed_when_the_ledger_cannot_be_written()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        // Another connection holds the write lock past the busy timeout: nothing may reach Stripe.
        var locked = new SqliteDatabase(f.Database.Path, TimeSpan.FromMilliseconds(200));
        var ledger = new SqlLedger(locked, f.Clock);
        var pipeline = f.PipelineOver(ledger);
        await using var holder = await RawSql.OpenAsync(f.Database.Path);
        using var tx = holder.BeginTransaction(deferred: false);

        var response = await pipeline.RunAsync("refund-bot", "issue_refund", Refund(1000), CancellationToken.None);
        Assert.Equal("unavailable", response.Code());
        Assert.Equal(0, f.Operation.Executions);
    }
}
