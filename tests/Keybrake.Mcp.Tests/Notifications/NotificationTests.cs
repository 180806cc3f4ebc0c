using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Notifications;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Notifications;

/// <summary>Events written by the ledger's own operations reach a real local endpoint, signed, once, after retries and restarts.</summary>
public sealed class NotificationTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static JsonObject Only(NotifyFixture f, string type) => Assert.Single(f.Receiver!.Accepted, r => r.Json["type"]!.GetValue<string>() == type).Json;

    private static string Id(JsonObject e, string name) => e[name]!.GetValue<string>();

    [Fact]
    public async Task Approval_requested_and_decided_arrive_with_their_fields_and_text()
    {
        await using var f = await NotifyFixture.StartAsync();
        var held = await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(15000, "t1"));
        Assert.Equal("approval_required", held.Code());
        var approvalId = held.Structured["error"]!["approval_id"]!.GetValue<string>();
        f.Pipeline.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.NotNull(await f.Pipeline.Approvals.DecideAsync(approvalId, false, "alice", "not this customer", TimeSpan.FromMinutes(15), Ct));

        await NotifyFixture.DrainAsync(f.Dispatcher());

        var requested = Only(f, NotificationTypes.ApprovalRequested);
        Assert.Equal($"approval requested: refund-bot asks to issue_refund 150.00 USD on pi_1 of cus_A, expires 12:15 UTC — keybrake-mcp approvals approve {approvalId}",
            Id(requested, "text"));
        Assert.Equal(("support-refunds", "refund-bot", approvalId, "issue_refund", 15000L, "USD", "pi_1", "2026-11-27T12:15:00.000Z", "2026-11-27T12:00:00.000Z"),
            (Id(requested, "role"), Id(requested, "agent"), Id(requested, "approval_id"), Id(requested, "tool"), (long)requested["amount"]!,
                Id(requested, "currency"), Id(requested, "object"), Id(requested, "expires"), Id(requested, "time")));
        Assert.Equal("cus_A", Id(requested, "customer"));
        Assert.StartsWith("evt_", Id(requested, "id"));

        var decided = Only(f, NotificationTypes.ApprovalDecided);
        Assert.Equal($"approval denied: refund-bot's issue_refund 150.00 USD on pi_1 denied by alice: not this customer ({approvalId})", Id(decided, "text"));
        Assert.Equal((approvalId, "denied", "alice", "not this customer", 15000L, "USD", "2026-11-27T12:02:00.000Z"),
            (Id(decided, "approval_id"), Id(decided, "decision"), Id(decided, "decided_by"), Id(decided, "reason"), (long)decided["amount"]!,
                Id(decided, "currency"), Id(decided, "time")));
        TestOutput.Write("approval_requested", requested);
        TestOutput.Write("approval_decided", decided);
    }

    [Fact]
    public async Task A_budget_threshold_fires_once_at_80_and_once_at_100_percent()
    {
        await using var f = await NotifyFixture.StartAsync(agentBudget: "100.00 USD");
        Assert.False((await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(5000, "a"))).IsError);
        // Below every threshold: the call wrote no event.
        Assert.Empty(await f.Outbox.ReadUnroutedAsync(10, Ct));

        foreach (var (amount, id) in new[] { (3000L, "b"), (1000L, "c"), (500L, "d"), (500L, "e") })
        {
            Assert.False((await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(amount, id))).IsError);
        }

        Assert.Equal("budget_exceeded", (await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(100, "f"))).Code());
        await NotifyFixture.DrainAsync(f.Dispatcher());

        // Sent side by side: arrival order is not event order.
        var thresholds = f.Receiver!.Accepted.Select(r => r.Json).Where(e => Id(e, "type") == NotificationTypes.BudgetThreshold)
            .OrderBy(e => (int)e["percent"]!).ToArray();
        Assert.Equal([(80, 8000L), (100, 10000L)], thresholds.Select(e => ((int)e["percent"]!, (long)e["used"]!)));
        var first = thresholds[0];
        Assert.Equal("budget 80% used: refund-bot's day budget: 80.00 of 100.00 USD used, latest call by refund-bot", Id(first, "text"));
        Assert.Equal(("agent", "day", 10000L, "USD", false), (Id(first, "per"), Id(first, "window"), (long)first["limit"]!, Id(first, "currency"), (bool)first["shadow"]!));
        TestOutput.Write("budget_threshold", first);
    }

    [Fact]
    public async Task A_hold_released_and_taken_again_is_not_a_second_crossing()
    {
        await using var f = await NotifyFixture.StartAsync(agentBudget: "100.00 USD");
        f.Pipeline.Operation.Execute = (_, _) => new ExecutionResult.Failed(new Denial("stripe_error", "Stripe refused the request: card declined"), "req_1");
        Assert.True((await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(8500, "a"))).IsError);
        Assert.True((await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(8500, "b"))).IsError);

        await NotifyFixture.DrainAsync(f.Dispatcher());

        Assert.Single(f.Receiver!.Accepted, r => Id(r.Json, "type") == NotificationTypes.BudgetThreshold);
    }

    [Fact]
    public async Task A_revocation_and_an_unknown_outcome_arrive_with_their_fields_and_text()
    {
        await using var f = await NotifyFixture.StartAsync();
        f.Pipeline.Operation.Execute = (_, _) => new ExecutionResult.Unknown("issue_refund");
        var unknown = await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(4200, "u1"));
        Assert.Equal("outcome_unknown", unknown.Code());
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "leaked prompt", Ct);
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.All, null, Ct);

        await NotifyFixture.DrainAsync(f.Dispatcher());

        var lost = Only(f, NotificationTypes.OutcomeUnknown);
        var callId = Id(lost, "call_id");
        Assert.Equal($"outcome unknown: refund-bot's issue_refund 42.00 USD on pi_fake got no answer from Stripe; the money stays held until reconciled — keybrake-mcp reconcile (call {callId})",
            Id(lost, "text"));
        Assert.Equal(("support-refunds", "refund-bot", "issue_refund", 4200L, "USD", "pi_fake", "outcome_unknown"),
            (Id(lost, "role"), Id(lost, "agent"), Id(lost, "tool"), (long)lost["amount"]!, Id(lost, "currency"), Id(lost, "object"), Id(lost, "code")));

        var revoked = f.Receiver!.Accepted.Select(r => r.Json).Where(e => Id(e, "type") == NotificationTypes.AgentRevoked)
            .OrderBy(e => Id(e, "scope"), StringComparer.Ordinal).ToArray();
        Assert.Equal(2, revoked.Length);
        Assert.Equal("agent revoked: refund-bot is refused from its next call: leaked prompt — keybrake-mcp reinstate refund-bot", Id(revoked[0], "text"));
        Assert.Equal(("agent:refund-bot", "refund-bot", "leaked prompt"), (Id(revoked[0], "scope"), Id(revoked[0], "agent"), Id(revoked[0], "reason")));
        Assert.Equal("agent revoked: every agent is refused from its next call — keybrake-mcp reinstate --all", Id(revoked[1], "text"));
        Assert.Equal("all", Id(revoked[1], "scope"));
        TestOutput.Write("outcome_unknown", lost);
        TestOutput.Write("agent_revoked", revoked[0]);
    }

    [Fact]
    public async Task The_signature_verifies_with_the_secret_and_fails_with_another_or_a_changed_body()
    {
        await using var f = await NotifyFixture.StartAsync();
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Role("support-refunds"), "drill", Ct);

        await NotifyFixture.DrainAsync(f.Dispatcher());

        var received = Assert.Single(f.Receiver!.Accepted);
        var now = f.Pipeline.Clock.GetUtcNow();
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", received.Signature);
        Assert.Equal(Id(received.Json, "id"), received.EventId);
        Assert.True(WebhookSignature.Verify(received.Signature, received.Body, NotifyFixture.Secret, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(received.Signature, received.Body, "whsec_someone_else", now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(received.Signature, received.Body.Replace("drill", "dril1"), NotifyFixture.Secret, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(received.Signature, received.Body, NotifyFixture.Secret, now.AddMinutes(10), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task An_endpoint_that_fails_three_times_receives_the_event_after_backoff()
    {
        await using var f = await NotifyFixture.StartAsync(failFirst: 3);
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "retry me", Ct);
        var dispatcher = f.Dispatcher();

        foreach (var wait in new[] { 1, 2, 4 })
        {
            await NotifyFixture.DrainAsync(dispatcher);
            // Not due before its backoff has passed.
            f.Pipeline.Clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, await dispatcher.RunOnceAsync(Ct));
            f.Pipeline.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        await NotifyFixture.DrainAsync(dispatcher);

        Assert.Equal([500, 500, 500, 200], f.Receiver!.Requests.Select(r => r.Status));
        Assert.Single(f.Receiver.Requests.Select(r => r.EventId).Distinct());
        var state = Assert.Single(await f.Outbox.ReadDeliveriesAsync(Ct));
        Assert.Equal(("delivered", 4, (string?)null), (state.Status, state.Attempts, state.LastError));
    }

    [Fact]
    public async Task A_dead_endpoint_is_given_up_on_after_the_horizon()
    {
        await using var f = await NotifyFixture.StartAsync(up: false, settings: new NotificationSettings
        {
            FirstRetry = TimeSpan.FromSeconds(1), MaxRetry = TimeSpan.FromSeconds(4), GiveUpAfter = TimeSpan.FromSeconds(20), Timeout = TimeSpan.FromSeconds(2),
        });
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "nobody listens", Ct);
        var dispatcher = f.Dispatcher();

        for (var i = 0; i < 12; i++)
        {
            await NotifyFixture.DrainAsync(dispatcher);
            f.Pipeline.Clock.Advance(TimeSpan.FromSeconds(4));
        }

        var state = Assert.Single(await f.Outbox.ReadDeliveriesAsync(Ct));
        Assert.Equal("failed", state.Status);
        Assert.InRange(state.Attempts, 5, 8);
        Assert.NotNull(state.LastError);
    }

    [Fact]
    public async Task Events_written_while_the_endpoint_was_down_are_delivered_after_a_restart()
    {
        await using var f = await NotifyFixture.StartAsync(up: false);
        // Written with no dispatcher running at all.
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "before the restart", Ct);
        var first = f.Dispatcher("instance-a");
        await NotifyFixture.DrainAsync(first);
        Assert.Equal(("pending", 1), (await f.Outbox.ReadDeliveriesAsync(Ct)).Select(d => (d.Status, d.Attempts)).Single());

        // The process goes away; another starts on the same ledger file, and the endpoint is back.
        await f.BringUpAsync();
        f.Pipeline.Clock.Advance(TimeSpan.FromSeconds(1));
        await NotifyFixture.DrainAsync(f.Dispatcher("instance-b"));

        var received = Assert.Single(f.Receiver!.Accepted);
        Assert.Equal("before the restart", Id(received.Json, "reason"));
        Assert.Equal("delivered", Assert.Single(await f.Outbox.ReadDeliveriesAsync(Ct)).Status);
    }

    [Fact]
    public async Task Two_dispatchers_on_one_ledger_send_each_event_once()
    {
        await using var f = await NotifyFixture.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Agent($"bot-{i}"), null, Ct);
        }

        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.Role("support-refunds"), null, Ct);
        var (a, b) = (f.Dispatcher("instance-a"), f.Dispatcher("instance-b"));
        await Task.WhenAll(NotifyFixture.DrainAsync(a), NotifyFixture.DrainAsync(b), NotifyFixture.DrainAsync(a));

        // Agents in no manifest have no role, hence no endpoint: only the role's revocation is sent.
        var sent = f.Receiver!.Requests.ToArray();
        Assert.Single(sent);
        Assert.Equal("role:support-refunds", Id(sent[0].Json, "scope"));
    }

    [Fact]
    public async Task No_payload_carries_a_secret_a_key_or_a_token()
    {
        await using var f = await NotifyFixture.StartAsync(agentBudget: "200.00 USD");
        var held = await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(15000, "big"));
        Assert.Equal("approval_required", held.Code());
        await f.Pipeline.Approvals.DecideAsync(held.Structured["error"]!["approval_id"]!.GetValue<string>(), true, "alice", null, TimeSpan.FromMinutes(5), Ct);
        Assert.False((await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(1500, "small"))).IsError);
        f.Pipeline.Operation.Execute = (_, _) => new ExecutionResult.Unknown("issue_refund");
        Assert.Equal("outcome_unknown", (await f.Pipeline.CallAsync("refund-bot", NotifyFixture.Refund(15000, "big"))).Code());
        await f.Pipeline.Ledger.RevokeAsync(RevocationScopes.All, "end", Ct);

        await NotifyFixture.DrainAsync(f.Dispatcher());

        var bodies = f.Receiver!.Accepted.Select(r => r.Body).ToArray();
        Assert.Equal(NotificationTypes.All.Order(), bodies.Select(b => JsonNode.Parse(b)!["type"]!.GetValue<string>()).Distinct().Order());
        foreach (var body in bodies)
        {
            Assert.DoesNotContain(NotifyFixture.Secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain("rk_test", body, StringComparison.Ordinal);
            Assert.DoesNotContain("sk_", body, StringComparison.Ordinal);
            Assert.DoesNotContain("kbk_", body, StringComparison.Ordinal);
            Assert.DoesNotContain(NotifyFixture.SecretEnv, body, StringComparison.Ordinal);
        }
    }
}
