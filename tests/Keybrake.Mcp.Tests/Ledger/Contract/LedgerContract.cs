using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Keybrake.Mcp.Tests.Ledger.Contract;

/// <summary>
/// What every ledger backend promises, run against each (<see cref="SqliteLedgerContractTests"/>,
/// <see cref="PostgresLedgerContractTests"/>): the same calls give the same answers, and two databases on one ledger (two
/// processes, two hosts) never let concurrent calls through a budget or a rate limit that only some of them fit.
/// </summary>
public abstract class LedgerContract : IAsyncLifetime
{
    private static readonly CallIdentity Bot = new("refund-bot", "support-refunds");
    private static readonly MoneyAmount TenDollars = MoneyAmount.Parse("10.00 USD");
    private static readonly Budget AgentDay = new(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("100.00 USD"));
    private static readonly Budget RoleDay = new(LimitScope.Role, RollingWindow.Day, MoneyAmount.Parse("150.00 USD"));
    private readonly List<ILedgerDatabase> _opened = [];
    private int _calls;

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UnixEpoch.AddYears(56));

    /// <summary>A new, empty ledger; each call of <see cref="OpenAgainAsync"/> then opens it again, as another process would.</summary>
    protected abstract Task<string> NewLedgerAsync();

    private string _location = "";

    public async ValueTask InitializeAsync() => _location = await NewLedgerAsync();

    public ValueTask DisposeAsync()
    {
        _opened.ForEach(d => d.Dispose());
        return ValueTask.CompletedTask;
    }

    /// <summary>The ledger opened by one more "process": a database of its own on the same file or PostgreSQL database.</summary>
    protected async Task<ILedgerDatabase> OpenAgainAsync()
    {
        var database = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(_location), null, TestContext.Current.CancellationToken);
        _opened.Add(database);
        return database;
    }

    private async Task<SqlLedger> LedgerAsync() => new(await OpenAgainAsync(), Clock);

    private CallStart Start(CallIdentity who, MoneyAmount? hold, string? fingerprint = null, IReadOnlyList<RateLimit>? limits = null, string? touched = null) => new()
    {
        CallId = $"call_{Interlocked.Increment(ref _calls):D4}", Who = who, Tool = "issue_refund", Arguments = "{\"amount\":1000}",
        Fingerprint = fingerprint, RetryHorizon = DateTimeOffset.MinValue, IdempotencyKey = $"kb_{_calls}", Hold = hold, Budgets = [AgentDay, RoleDay],
        RateLimits = limits ?? [], Object = touched, ExclusiveOnObject = touched is not null,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrating_twice_changes_nothing_the_second_time()
    {
        var database = await OpenAgainAsync();
        var again = await database.MigrateAsync(Ct);
        Assert.Equal(again.To, again.From);
        Assert.True(again.To > 0);
    }

    [Fact]
    public async Task A_revocation_covers_the_agent_its_role_or_all_and_reinstating_lifts_it()
    {
        var ledger = await LedgerAsync();
        Assert.Null(await ledger.FindRevocationAsync(Bot, Ct));
        await ledger.RevokeAsync(RevocationScopes.Role(Bot.Role), "incident 7", Ct);
        var seenElsewhere = await (await LedgerAsync()).FindRevocationAsync(Bot, Ct);
        Assert.Equal(("role:support-refunds", "incident 7"), (seenElsewhere?.Scope, seenElsewhere?.Reason));
        Assert.True(await ledger.ReinstateAsync(RevocationScopes.Role(Bot.Role), Ct));
        Assert.False(await ledger.ReinstateAsync(RevocationScopes.Role(Bot.Role), Ct));
        Assert.Null(await ledger.FindRevocationAsync(Bot, Ct));
    }

    [Fact]
    public async Task A_hold_counts_until_settled_at_what_moved_and_a_call_that_does_not_fit_is_refused_with_the_numbers()
    {
        var ledger = await LedgerAsync();
        var started = await ledger.StartCallAsync(Start(Bot, MoneyAmount.Parse("60.00 USD")), Ct);
        Assert.IsType<StartDecision.Started>(started);
        var over = Assert.IsType<StartDecision.OverBudget>(await ledger.StartCallAsync(Start(Bot, MoneyAmount.Parse("50.00 USD")), Ct));
        Assert.Equal((0L, 6000L, AgentDay), (over.Usage.SettledMinor, over.Usage.HeldMinor, over.Usage.Budget));

        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Allowed, MovedMinor = 2500, Currency = "usd", DurationMs = 3 }, Ct);
        var usage = await ledger.ReadUsageAsync(Roles.Refunds() with { Budgets = [AgentDay, RoleDay] }, Ct);
        Assert.Equal((2500L, 0L), (usage[0].SettledMinor, usage[0].HeldMinor));
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, MoneyAmount.Parse("50.00 USD")), Ct));
        Assert.Equal(AgentDay, (await ledger.FindBudgetWithoutRoomAsync(Bot, [AgentDay, RoleDay], 3000, Ct))?.Budget);
        Assert.Null(await ledger.FindBudgetWithoutRoomAsync(Bot, [AgentDay, RoleDay], 2500, Ct));
    }

    [Fact]
    public async Task The_same_request_twice_is_one_call_and_an_unknown_outcome_stays_held()
    {
        var ledger = await LedgerAsync();
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, TenDollars, fingerprint: "fp-1"), Ct));
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Unknown, Code = "outcome_unknown", DurationMs = 9 }, Ct);

        var retry = Assert.IsType<StartDecision.Replay>(await (await LedgerAsync()).StartCallAsync(Start(Bot, TenDollars, fingerprint: "fp-1"), Ct));
        Assert.Equal(("call_0001", AuditOutcomes.Unknown), (retry.Earlier.CallId, retry.Earlier.Outcome));
        Assert.Equal("call_0001", (await ledger.FindEarlierAsync("fp-1", DateTimeOffset.MinValue, Ct))?.CallId);
        Assert.Equal(["call_0001"], (await ledger.ReadUnknownAsync(null, Clock.GetUtcNow().AddSeconds(1), Ct)).Select(r => r.CallId));
        var usage = await ledger.ReadUsageAsync(Roles.Refunds() with { Budgets = [AgentDay] }, Ct);
        Assert.Equal(1000L, usage[0].HeldMinor);
    }

    [Fact]
    public async Task A_completion_after_another_changes_nothing_and_the_chain_holds_both_writes_of_each_call()
    {
        var ledger = await LedgerAsync();
        await ledger.StartCallAsync(Start(Bot, TenDollars), Ct);
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Failed, Code = "stripe_error", DurationMs = 1 }, Ct);
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Allowed, MovedMinor = 1000, Currency = "usd", DurationMs = 1 }, Ct);

        var row = Assert.Single(await ledger.ReadAuditAsync(new AuditQuery(), Ct));
        Assert.Equal((AuditOutcomes.Failed, (long?)null), (row.Outcome, row.Amount));
        var report = await ledger.VerifyChainAsync(Ct);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((2L, 1), (report.Events, report.Records));
        Assert.Equal(report.Head, row.Hash);
    }

    [Fact]
    public async Task A_servers_checkpoints_sign_the_head_another_process_moved_and_verify_against_the_chain()
    {
        var ledger = await LedgerAsync();
        using var dir = new TempDirectory();
        using var key = AuditSigningKey.Generate();
        var file = dir.File("checkpoints.jsonl");
        var checkpointer = new AuditCheckpointer(await OpenAgainAsync(), key,
            [new FileCheckpointAnchor(file)], Clock,
            NullLogger<AuditCheckpointer>.Instance);

        Assert.Equal((0L, AuditChainContent.Genesis), (await checkpointer.CheckpointIfMovedAsync(Ct)) is { } empty ? (empty.Seq, empty.Head) : default);
        await ledger.StartCallAsync(Start(Bot, TenDollars), Ct);
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Allowed, MovedMinor = 1000, Currency = "usd", DurationMs = 1 }, Ct);
        var head = (await ledger.VerifyChainAsync(Ct)).Head;
        Assert.Equal((2L, head), (await checkpointer.CheckpointIfMovedAsync(Ct)) is { } moved ? (moved.Seq, moved.Head) : default);
        Assert.Null(await checkpointer.CheckpointIfMovedAsync(Ct));

        var check = new AuditCheckpointCheck(key.Public, await AuditCheckpointFile.ReadAsync(file, Ct));
        await foreach (var e in ledger.ReadChainAsync(Ct))
        {
            check.Observe(e);
        }

        var report = check.Finish();
        Assert.True(report.Ok, report.ToString());
        Assert.Equal(2, report.Checked);
    }

    [Fact]
    public async Task A_rate_limit_counts_starts_and_refusals_and_refuses_the_call_past_it()
    {
        RateLimit[] limits = [new(LimitScope.Agent, 3, RollingWindow.Minute)];
        var ledger = await LedgerAsync();
        await ledger.RecordVerdictAsync(new Verdict("call_denied", Bot, "issue_refund", "{}", "invalid_arguments", "no", null) { CountsAgainst = limits }, Ct);
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, null, limits: limits), Ct));
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, null, limits: limits), Ct));

        var check = await (await LedgerAsync()).CheckRateAsync(Bot, limits, Ct);
        Assert.Equal(3, check.Hit?.Used);
        Assert.IsType<StartDecision.RateLimited>(await ledger.StartCallAsync(Start(Bot, null, limits: limits), Ct));
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null((await ledger.CheckRateAsync(Bot, limits, Ct)).Hit);
    }

    [Fact]
    public async Task A_second_call_on_an_object_waits_for_the_first_to_be_known()
    {
        var ledger = await LedgerAsync();
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, null, touched: "sub_1"), Ct));
        var busy = Assert.IsType<StartDecision.ObjectBusy>(await ledger.StartCallAsync(Start(Bot, null, touched: "sub_1"), Ct));
        Assert.Equal("call_0001", busy.Other.CallId);
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, null, touched: "sub_2"), Ct));
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Allowed, DurationMs = 1 }, Ct);
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, null, touched: "sub_1"), Ct));
    }

    [Fact]
    public async Task An_approval_holds_its_amount_until_used_denied_or_expired()
    {
        var approvals = new SqlApprovals(await OpenAgainAsync(), Clock);
        var ledger = await LedgerAsync();
        var created = Assert.IsType<ApprovalRequestResult.Created>(
            await approvals.RequestAsync(Bot, "issue_refund", "fp-a", "{}", MoneyAmount.Parse("90.00 USD"), [AgentDay], TimeSpan.FromHours(1), ApprovalSubject.None, Ct));
        Assert.IsType<ApprovalRequestResult.OverBudget>(
            await approvals.RequestAsync(Bot, "issue_refund", "fp-b", "{}", MoneyAmount.Parse("20.00 USD"), [AgentDay], TimeSpan.FromHours(1), ApprovalSubject.None, Ct));

        var approved = await new SqlApprovals(await OpenAgainAsync(), Clock).DecideAsync(created.Approval.Id, true, "ops", "ok", TimeSpan.FromMinutes(10), Ct);
        Assert.Equal(ApprovalStatus.Approved, approved?.Status);
        Assert.Equal(ApprovalStatus.Approved, (await approvals.FindAsync("fp-a", Ct))?.Status);
        var use = Start(Bot, MoneyAmount.Parse("90.00 USD"), fingerprint: "fp-a") with { ApprovalId = created.Approval.Id };
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(use, Ct));
        Assert.IsType<StartDecision.ApprovalGone>(await ledger.StartCallAsync(use with { CallId = "call_again", Fingerprint = "fp-a2" }, Ct));
        await ledger.CompleteCallAsync(new CallCompletion { CallId = use.CallId, Outcome = AuditOutcomes.Allowed, MovedMinor = 9000, Currency = "usd", DurationMs = 1 }, Ct);
        Assert.Equal(9000L, (await ledger.ReadUsageAsync(Roles.Refunds() with { Budgets = [AgentDay] }, Ct))[0].SettledMinor);

        var denied = Assert.IsType<ApprovalRequestResult.Created>(
            await approvals.RequestAsync(Bot, "issue_refund", "fp-c", "{}", MoneyAmount.Parse("5.00 USD"), [AgentDay], TimeSpan.FromHours(1), ApprovalSubject.None, Ct));
        await approvals.DecideAsync(denied.Approval.Id, false, "ops", "no", TimeSpan.FromMinutes(10), Ct);
        var expiring = Assert.IsType<ApprovalRequestResult.Created>(
            await approvals.RequestAsync(Bot, "issue_refund", "fp-d", "{}", MoneyAmount.Parse("5.00 USD"), [AgentDay], TimeSpan.FromMinutes(1), ApprovalSubject.None, Ct));
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(await approvals.ListAsync(all: false, Ct));
        Assert.Equal([ApprovalStatus.Used, ApprovalStatus.Denied, ApprovalStatus.Expired],
            (await approvals.ListAsync(all: true, Ct)).Select(a => a.Status));
        Assert.Equal((9000L, 0L), ((await ledger.ReadUsageAsync(Roles.Refunds() with { Budgets = [AgentDay] }, Ct))[0].SettledMinor,
            (await ledger.ReadUsageAsync(Roles.Refunds() with { Budgets = [AgentDay] }, Ct))[0].HeldMinor));
        Assert.True((await ledger.VerifyChainAsync(Ct)).Ok);
        Assert.Equal(expiring.Approval.Id, (await approvals.ListAsync(all: true, Ct)).Last().Id);
    }

    [Fact]
    public async Task The_outbox_gets_each_event_with_its_change_and_two_databases_never_claim_one_delivery_twice()
    {
        var ledger = await LedgerAsync();
        // 85 of 100: the agent budget's 80% threshold; the role budget (56%) crosses nothing.
        Assert.IsType<StartDecision.Started>(await ledger.StartCallAsync(Start(Bot, MoneyAmount.Parse("85.00 USD")), Ct));
        await ledger.CompleteCallAsync(new CallCompletion { CallId = "call_0001", Outcome = AuditOutcomes.Unknown, Code = "outcome_unknown", DurationMs = 3 }, Ct);
        await ledger.RevokeAsync(RevocationScopes.Agent("refund-bot"), "drill", Ct);
        var (a, b) = (new SqlNotificationOutbox(await OpenAgainAsync(), Clock), new SqlNotificationOutbox(await OpenAgainAsync(), Clock));

        var events = await a.ReadUnroutedAsync(10, Ct);
        Assert.Equal(["agent_revoked", "budget_threshold", "outcome_unknown"], events.Select(e => e.Type).Order());
        var endpoint = new NotifyEndpoint(new Uri("https://hooks.example.com/k"), [.. Keybrake.Mcp.Notifications.NotificationTypes.All], "KEYBRAKE_NOTIFY_SECRET");
        await Task.WhenAll(a.RouteAsync([.. events.Select(e => (e, (IReadOnlyList<NotifyEndpoint>)[endpoint]))], Ct),
            b.RouteAsync([.. events.Select(e => (e, (IReadOnlyList<NotifyEndpoint>)[endpoint]))], Ct));
        Assert.Empty(await b.ReadUnroutedAsync(10, Ct));

        var claims = await Task.WhenAll(a.ClaimAsync("a", 10, TimeSpan.FromMinutes(1), Ct), b.ClaimAsync("b", 10, TimeSpan.FromMinutes(1), Ct));
        Assert.Equal(events.Select(e => e.Id).Order(), claims.SelectMany(c => c).Select(d => d.Event.Id).Order());
        Assert.False(await a.AnyDueAsync(Ct));
        var (mine, owner) = claims[0].Count > 0 ? (claims[0], "a") : (claims[1], "b");
        await b.DeliveredAsync(mine[0], owner == "a" ? "b" : "a", Ct); // not the claimer's: changes nothing
        await a.DeliveredAsync(mine[0], owner, Ct);
        foreach (var d in claims.SelectMany(c => c).Skip(1))
        {
            await a.RetryAsync(d, claims[0].Contains(d) ? "a" : "b", Clock.GetUtcNow().AddSeconds(1), "HTTP 500", Ct);
        }

        var states = await a.ReadDeliveriesAsync(Ct);
        Assert.Equal(1, states.Count(s => s.Status == "delivered"));
        Assert.Equal(2, states.Count(s => s is { Status: "pending", Attempts: 1, LastError: "HTTP 500" }));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await b.AnyDueAsync(Ct));
        Assert.Equal(2, (await b.ClaimAsync("b", 10, TimeSpan.FromMinutes(1), Ct)).Count);
    }

    [Fact]
    public async Task A_token_is_stored_hashed_validates_anywhere_and_revoked_stops_validating()
    {
        var tokens = new AgentTokens(await OpenAgainAsync(), Clock);
        var (token, info) = await tokens.IssueAsync("refund-bot", Ct);
        var elsewhere = new AgentTokens(await OpenAgainAsync(), Clock);
        Assert.Equal("refund-bot", (await elsewhere.ValidateAsync(token, Ct))?.Agent);
        Assert.Null(await elsewhere.ValidateAsync(token + "x", Ct));
        Assert.Equal(info.Id, Assert.Single(await elsewhere.ListAsync(Ct)).Id);
        Assert.True(await tokens.RevokeAsync(info.Id, Ct));
        Assert.Null(await elsewhere.ValidateAsync(token, Ct));
    }

    [Fact]
    public async Task The_audit_log_reads_in_time_order_filtered_and_newest_last_under_a_limit()
    {
        var ledger = await LedgerAsync();
        for (var i = 0; i < 5; i++)
        {
            await ledger.RecordVerdictAsync(new Verdict($"call_d{i}", i % 2 == 0 ? Bot : Bot with { Agent = "other-bot" }, "issue_refund", "{}", "not_allowed", $"no {i}", null), Ct);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["call_d0", "call_d1", "call_d2", "call_d3", "call_d4"], (await ledger.ReadAuditAsync(new AuditQuery(), Ct)).Select(r => r.CallId));
        Assert.Equal(["call_d0", "call_d2", "call_d4"], (await ledger.ReadAuditAsync(new AuditQuery("refund-bot"), Ct)).Select(r => r.CallId));
        Assert.Equal(["call_d3", "call_d4"], (await ledger.ReadAuditAsync(new AuditQuery(Limit: 2), Ct)).Select(r => r.CallId));
        var bare = (await ledger.ReadAuditAsync(new AuditQuery { WithPayloads = false, WithHashes = false }, Ct))[0];
        Assert.Equal(("{}", (string?)null), (bare.Arguments, bare.Hash));
        var activity = await ledger.ReadAgentActivityAsync(Clock.GetUtcNow().AddDays(-1), Ct);
        Assert.Equal(["other-bot", "refund-bot"], activity.Select(a => a.Agent));
        var events = new List<AuditChainEvent>();
        await foreach (var e in ledger.ReadChainAsync(Ct))
        {
            events.Add(e);
        }

        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), events.Select(e => e.Seq));
    }

    [Fact]
    public async Task A_lease_is_renewed_read_given_up_and_cleared_after_a_day()
    {
        var ledger = await LedgerAsync();
        var started = Clock.GetUtcNow();
        await ledger.RenewLeaseAsync(new InstanceLease("inst_a", "host-1", 42, started, started, started.AddSeconds(15)), Ct);
        await ledger.RenewLeaseAsync(new InstanceLease("inst_a", "host-1", 42, started, started.AddSeconds(5), started.AddSeconds(20)), Ct);
        var lease = Assert.Single(await (await LedgerAsync()).ReadLeasesAsync(Ct));
        Assert.Equal(("inst_a", "host-1", 42, started.AddSeconds(20)), (lease.Instance, lease.Host, lease.Pid, lease.Expires));
        await ledger.EndLeaseAsync("inst_a", Ct);
        Assert.Equal(Clock.GetUtcNow(), Assert.Single(await ledger.ReadLeasesAsync(Ct)).Expires);
        Clock.Advance(TimeSpan.FromDays(2));
        await ledger.EndLeaseAsync("inst_b", Ct);
        Assert.Empty(await ledger.ReadLeasesAsync(Ct));
    }

    [Fact]
    public async Task Concurrent_calls_through_three_databases_never_exceed_a_budget_and_keep_one_chain()
    {
        // Three "processes" (three databases on the same ledger), 12 callers, 10.00 at a time against a 100.00 agent
        // budget; ten trials, each with an agent of its own (a fresh budget).
        SqlLedger[] ledgers = [await LedgerAsync(), await LedgerAsync(), await LedgerAsync()];
        const int trials = 10;
        for (var trial = 0; trial < trials; trial++)
        {
            var who = Bot with { Agent = $"refund-bot-{trial}" };
            var decisions = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                var ledger = ledgers[i % 3];
                var results = new List<StartDecision>();
                for (var n = 0; n < 2; n++)
                {
                    var start = Start(who, TenDollars) with { Budgets = [AgentDay] };
                    var decision = await ledger.StartCallAsync(start, Ct);
                    if (decision is StartDecision.Started)
                    {
                        await ledger.CompleteCallAsync(new CallCompletion { CallId = start.CallId, Outcome = AuditOutcomes.Allowed, MovedMinor = 1000, Currency = "usd", DurationMs = 1 }, Ct);
                    }

                    results.Add(decision);
                }

                return results;
            })));

            Assert.Equal(10, decisions.SelectMany(d => d).Count(d => d is StartDecision.Started));
            Assert.Equal(14, decisions.SelectMany(d => d).Count(d => d is StartDecision.OverBudget));
            var usage = await ledgers[trial % 3].ReadUsageAsync(Roles.Refunds() with { Agents = [who.Agent], Budgets = [AgentDay] }, Ct);
            Assert.Equal((10000L, 0L), (usage[0].SettledMinor, usage[0].HeldMinor));
        }

        var report = await ledgers[1].VerifyChainAsync(Ct);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((trials * 20L, trials * 10), (report.Events, report.Records));
    }
}
