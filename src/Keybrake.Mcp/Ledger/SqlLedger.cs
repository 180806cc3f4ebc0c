using System.Runtime.CompilerServices;
using Dapper;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The ledger over either database. Every check-and-write is one write transaction that first locks what it decides on
/// (the request, the object, the rate scopes, the budgets; the audit chain last): on SQLite the one writer's lock covers
/// all of them, on PostgreSQL each is a transaction-scoped advisory lock. So two calls, in one process or on two hosts,
/// never both pass a budget check that only one of them fits.
/// </summary>
/// <param name="instance">The server instance this process is, recorded on the calls it starts (null for the CLI).</param>
public sealed class SqlLedger(ILedgerDatabase database, TimeProvider time, InstanceIdentity? instance = null) : ILedger
{
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<Revocation?> FindRevocationAsync(CallIdentity who, CancellationToken ct) =>
        database.ReadAsync(async s =>
        {
            var row = await s.Connection.QueryFirstOrDefaultAsync<RevocationRow>(
                "SELECT scope, revoked_at_ms, reason FROM revocation WHERE scope IN (@agent, @role, 'all') ORDER BY revoked_at_ms LIMIT 1",
                new { agent = RevocationScopes.Agent(who.Agent), role = RevocationScopes.Role(who.Role) }, s.Transaction);
            return row is null ? null : new Revocation(row.Scope, DateTimeOffset.FromUnixTimeMilliseconds(row.RevokedAtMs), row.Reason);
        }, ct);

    public Task RevokeAsync(string scope, string? reason, CancellationToken ct)
    {
        var now = NowMs;
        var revoked = Notifications.NotificationEvents.AgentRevoked(scope, reason, DateTimeOffset.FromUnixTimeMilliseconds(now));
        return database.WriteAsync(async s =>
        {
            await s.Connection.ExecuteAsync(
                "INSERT INTO revocation (scope, revoked_at_ms, reason) VALUES (@scope, @now, @reason) " +
                "ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason",
                new { scope, now, reason }, s.Transaction);
            await Outbox.EnqueueAsync(s, revoked);
            return true;
        }, ct);
    }

    public async Task<bool> ReinstateAsync(string scope, CancellationToken ct) =>
        await database.WriteAsync(s => s.Connection.ExecuteAsync("DELETE FROM revocation WHERE scope = @scope", new { scope }, s.Transaction), ct) > 0;

    public Task<RateCheck> CheckRateAsync(CallIdentity who, IReadOnlyList<RateLimit> limits, CancellationToken ct)
    {
        var now = NowMs;
        return limits.Count == 0 ? Task.FromResult(RateCounts.None) : database.ReadAsync(s => RateCounts.CheckAsync(s, who, limits, now), ct);
    }

    public Task<StartDecision> StartCallAsync(CallStart start, CancellationToken ct)
    {
        var now = NowMs;
        // The 'started' row's sealed content is built here, outside the write transaction; only its id is left.
        var (arguments, argumentsSha256) = AuditArguments.Bound(start.Arguments);
        var content = AuditChainContent.Prepare(new AuditRecord
        {
            Id = 0, CallId = start.CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(now), Agent = start.Who.Agent, Role = start.Who.Role, Tool = start.Tool,
            Outcome = AuditOutcomes.Unknown, Currency = start.Hold?.Currency.Code, Object = start.Object, IdempotencyKey = start.IdempotencyKey,
            Arguments = arguments, ArgumentsSha256 = argumentsSha256, Auth = start.Auth,
        });
        return database.WriteAsync(s => StartCallAsync(s, start with { Arguments = arguments }, argumentsSha256, content, now, ct), ct);
    }

    private async Task<StartDecision> StartCallAsync(LedgerSession s, CallStart start, string? argumentsSha256, PreparedContent content, long now, CancellationToken ct)
    {
        // Everything this transaction decides on, locked at once, in a fixed order (the chain is locked last, when appending).
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (start.Fingerprint is { } print)
        {
            names.Add($"request:{print}");
        }

        if (start.ExclusiveOnObject && start.Object is { } touchedObject)
        {
            names.Add($"object:{touchedObject}");
        }

        names.UnionWith(RateCounts.LockNames(start.Who, start.RateLimits));
        if (start.Hold is { } toHold)
        {
            names.UnionWith(start.Budgets.Where(b => b.Limit.Currency == toHold.Currency).Select(b => BudgetQueries.LockName(start.Who, b)));
        }

        await s.Dialect.LockAsync(s, names, ct);
        var shadowOverruns = new List<BudgetUsage>();

        // Checked again under the lock: two identical calls racing each other are still one request.
        if (start.Fingerprint is { } fingerprint && await FindEarlierAsync(s, fingerprint, start.RetryHorizon) is { } earlier)
        {
            // It passed the rate check and may still reach Stripe (an unknown outcome is sent again): it counts.
            await RateCounts.CountAsync(s, start.Who, start.RateLimits, now);
            return new StartDecision.Replay(earlier);
        }

        // Exactly, now: concurrent calls may have filled a limit since this one's first check. Counted whatever follows.
        if (start.RateLimits.Count > 0)
        {
            if ((await RateCounts.CheckAsync(s, start.Who, start.RateLimits, now)).Hit is { } hit)
            {
                return new StartDecision.RateLimited(hit);
            }

            await RateCounts.CountAsync(s, start.Who, start.RateLimits, now);
        }

        if (start.ExclusiveOnObject && start.Object is { } touched && await s.Connection.QueryFirstOrDefaultAsync<AuditRow>(
                $"SELECT {AuditRow.Columns} FROM audit WHERE object = @touched AND outcome = 'unknown' ORDER BY at_ms LIMIT 1",
                new { touched }, s.Transaction) is { } busy)
        {
            return new StartDecision.ObjectBusy(busy.ToRecord());
        }

        if (start.ApprovalId is { } approvalId)
        {
            if (!await SqlApprovals.ConsumeAsync(s, approvalId, start.Fingerprint ?? "", start.CallId, now))
            {
                return new StartDecision.ApprovalGone(approvalId);
            }
        }
        else if (start.Hold is { } hold)
        {
            List<BudgetThresholds.Crossing>? crossings = null;
            foreach (var budget in start.Budgets.Where(b => b.Limit.Currency == hold.Currency).OrderBy(b => b.Shadow))
            {
                var used = await BudgetQueries.UsedAsync(s, start.Who, budget, now);
                if (BudgetThresholds.Of(budget, used, hold.Minor) is { } crossing)
                {
                    (crossings ??= []).Add(crossing);
                }

                if (used + hold.Minor > budget.Limit.Minor)
                {
                    var usage = await BudgetQueries.UsageAsync(s, start.Who, budget, now, used);
                    if (!budget.Shadow)
                    {
                        return new StartDecision.OverBudget(usage);
                    }

                    shadowOverruns.Add(usage);
                }
            }

            await SpendBook.HoldAsync(s, start.CallId, start.Who, hold.Currency.Code, hold.Minor, start.Budgets, now);
            if (crossings is not null)
            {
                await BudgetThresholds.ReportAsync(s, start.Who, crossings, now);
            }
        }

        await AuditChainStore.AppendNewAsync(s, content, start.CallId, now, (id, hash) => s.Connection.ExecuteAsync(
            "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, amount, currency, object, idempotency_key, arguments, arguments_sha256, auth, " +
            "fingerprint, hash, context, instance_id) " +
            "VALUES (@id, @callId, @now, @agent, @role, @tool, 'unknown', NULL, @currency, @touched, @idempotencyKey, @arguments, @argumentsSha256, @auth, " +
            "@fingerprint, @hash, @context, @instanceId)",
            new
            {
                id, callId = start.CallId, now, agent = start.Who.Agent, role = start.Who.Role, tool = start.Tool, currency = start.Hold?.Currency.Code,
                touched = start.Object, idempotencyKey = start.IdempotencyKey, arguments = start.Arguments, argumentsSha256, auth = start.Auth, fingerprint = start.Fingerprint,
                hash, context = start.Context, instanceId = instance?.Id,
            }, s.Transaction));
        return new StartDecision.Started(start.IdempotencyKey, shadowOverruns);
    }

    public Task<BudgetUsage?> FindBudgetWithoutRoomAsync(CallIdentity who, IReadOnlyList<Budget> budgets, long minor, CancellationToken ct)
    {
        var now = NowMs;
        return database.ReadAsync(s => BudgetQueries.FirstWithoutRoomAsync(s, who, budgets, minor, now), ct);
    }

    public Task<AuditRecord?> FindEarlierAsync(string fingerprint, DateTimeOffset horizon, CancellationToken ct) =>
        database.ReadAsync(s => FindEarlierAsync(s, fingerprint, horizon), ct);

    private static async Task<AuditRecord?> FindEarlierAsync(LedgerSession s, string fingerprint, DateTimeOffset horizon) =>
        (await s.Connection.QueryFirstOrDefaultAsync<AuditRow>(
            $"SELECT {AuditRow.Columns} FROM audit WHERE fingerprint = @fingerprint AND at_ms >= @horizon " +
            "AND outcome IN ('allowed', 'unknown') ORDER BY at_ms DESC, id DESC LIMIT 1",
            new { fingerprint, horizon = horizon.ToUnixTimeMilliseconds() }, s.Transaction))?.ToRecord();

    public Task CompleteCallAsync(CallCompletion c, CancellationToken ct)
    {
        var now = NowMs;
        return database.WriteAsync(async s =>
        {
            await CompleteCallAsync(s, c, now);
            return true;
        }, ct);
    }

    private static async Task CompleteCallAsync(LedgerSession s, CallCompletion c, long now)
    {
        // The row first: settling as held reads the held amount from the spend row that settling removes.
        // RETURNING: the row as updated seals it, without reading it again. Only a row still unknown: two completions of one
        // call (an agent's retry and the original, a reconciliation) race, and the first one that knows wins; a later one
        // must neither overwrite it nor settle a hold that is already gone.
        var updated = await s.Connection.QueryFirstOrDefaultAsync<AuditRow>(
            "UPDATE audit SET outcome = @outcome, code = @code, message = @message, " +
            "amount = CASE WHEN @settleAsHeld AND @moved IS NULL THEN (SELECT amount_minor FROM spend WHERE spend.call_id = audit.call_id) ELSE @moved END, " +
            "currency = COALESCE(@currency, currency), object = COALESCE(@touched, object), stripe_request_id = @stripeRequestId, " +
            "recurring_delta = COALESCE(@recurringDelta, recurring_delta), " +
            $"duration_ms = @durationMs, result = @result WHERE call_id = @callId AND outcome = 'unknown' RETURNING {AuditRow.Columns}",
            new
            {
                outcome = c.Outcome, code = c.Code, message = c.Message, settleAsHeld = c.SettleAsHeld, moved = c.MovedMinor, currency = c.Currency,
                touched = c.Object, stripeRequestId = c.StripeRequestId, recurringDelta = c.RecurringDelta?.ToJson().ToJsonString(),
                durationMs = c.DurationMs, result = c.Result, callId = c.CallId,
            }, s.Transaction);
        if (updated is null)
        {
            return;
        }

        if (c.Outcome == AuditOutcomes.Unknown)
        {
            // Nobody knows whether Stripe moved the money: the hold stays until reconciled, and the operators hear of it.
            var held = await s.Connection.QueryFirstOrDefaultAsync<long?>(
                "SELECT amount_minor FROM spend WHERE call_id = @callId", new { callId = c.CallId }, s.Transaction);
            await Outbox.EnqueueAsync(s, Notifications.NotificationEvents.OutcomeUnknown(updated.ToRecord(), held, DateTimeOffset.FromUnixTimeMilliseconds(now)));
        }
        else if (c.MovedMinor is not null || c.SettleAsHeld)
        {
            await SpendBook.SettleAsync(s, c.CallId, c.MovedMinor);
        }
        else
        {
            await SpendBook.ReleaseAsync(s, c.CallId);
        }

        await AuditChainStore.AppendAsync(s, updated.ToRecord(), now);
    }

    public Task<IReadOnlyList<AuditRecord>> ReadUnknownAsync(string? stripeObject, DateTimeOffset startedBefore, CancellationToken ct)
    {
        // Two statements, not one with "(@o IS NULL OR object = @o)": that form kept SQLite off the index and made this
        // per-call lookup scan the whole audit log. Both read only the partial index of unknown calls (few at any time).
        // Every ledger statement is a constant: Dapper.AOT then binds its parameters by position (see SqliteCommandReuse).
        var before = startedBefore.ToUnixTimeMilliseconds();
        return database.ReadAsync<IReadOnlyList<AuditRecord>>(async s => (stripeObject is not null
                ? await s.Connection.QueryAsync<AuditRow>(
                    $"SELECT {AuditRow.Columns} FROM audit WHERE object = @stripeObject AND outcome = 'unknown' AND at_ms < @before ORDER BY id",
                    new { stripeObject, before }, s.Transaction)
                : s.Dialect.HintsUnknownCallsIndex
                    ? await s.Connection.QueryAsync<AuditRow>(
                        $"SELECT {AuditRow.Columns} FROM audit INDEXED BY ix_audit_unknown WHERE outcome = 'unknown' AND at_ms < @before ORDER BY id",
                        new { before }, s.Transaction)
                    : await s.Connection.QueryAsync<AuditRow>(
                        $"SELECT {AuditRow.Columns} FROM audit WHERE outcome = 'unknown' AND at_ms < @before ORDER BY id",
                        new { before }, s.Transaction))
            .Select(r => r.ToRecord()).ToArray(), ct);
    }

    public Task RecordVerdictAsync(Verdict d, CancellationToken ct)
    {
        var now = NowMs;
        // Everything but the row's id is known now: its sealed content is built here, outside the write transaction.
        var (arguments, argumentsSha256) = AuditArguments.Bound(d.Arguments);
        var content = AuditChainContent.Prepare(new AuditRecord
        {
            Id = 0, CallId = d.CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(now), Agent = d.Who.Agent, Role = d.Who.Role, Tool = d.Tool,
            Outcome = d.Outcome, Code = d.Code, Message = d.Message, DurationMs = 0, Arguments = arguments, ArgumentsSha256 = argumentsSha256, Auth = d.Auth, Result = d.Result,
        });
        // The count first, under the locks of its scopes; the row and its chain event last, under the chain's.
        return database.WriteAsync(async s =>
        {
            if (d.CountsAgainst.Count > 0)
            {
                await s.Dialect.LockAsync(s, [.. RateCounts.LockNames(d.Who, d.CountsAgainst).Order(StringComparer.Ordinal)], ct);
                await RateCounts.CountAsync(s, d.Who, d.CountsAgainst, now);
            }

            await AuditChainStore.AppendNewAsync(s, content, d.CallId, now, (id, hash) => s.Connection.ExecuteAsync(
                "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, code, message, arguments, arguments_sha256, auth, result, duration_ms, hash) " +
                "VALUES (@id, @callId, @now, @agent, @role, @tool, @outcome, @code, @message, @arguments, @argumentsSha256, @auth, @result, 0, @hash)",
                new
                {
                    id, callId = d.CallId, now, agent = d.Who.Agent, role = d.Who.Role, tool = d.Tool, outcome = d.Outcome, code = d.Code, message = d.Message,
                    arguments, argumentsSha256, auth = d.Auth, result = d.Result, hash,
                }, s.Transaction));
            return true;
        }, ct);
    }

    // A window of the audit log, in time order (then id), as the time index holds them: read without sorting it; a limit
    // takes the newest from the index's end. One constant statement per shape (with or without payloads, with or without a limit).
    private const string AuditWhere = "WHERE (@agent IS NULL OR agent = @agent) AND at_ms >= @since AND at_ms < @until " +
        "AND (@tool IS NULL OR tool = @tool) AND (@outcome IS NULL OR outcome = @outcome)";

    private const string AuditAll = $"SELECT {AuditRow.Columns}, {AuditRow.HashColumn} FROM audit {AuditWhere} ORDER BY at_ms, id";

    private const string AuditNewest =
        $"SELECT * FROM (SELECT {AuditRow.Columns}, {AuditRow.HashColumn} FROM audit {AuditWhere} ORDER BY at_ms DESC, id DESC LIMIT @limit) AS newest ORDER BY at_ms, id";

    private const string AuditAllBare = $"SELECT {AuditRow.ColumnsWithoutPayloads}, {AuditRow.HashColumn} FROM audit {AuditWhere} ORDER BY at_ms, id";

    private const string AuditNewestBare =
        $"SELECT * FROM (SELECT {AuditRow.ColumnsWithoutPayloads}, {AuditRow.HashColumn} FROM audit {AuditWhere} ORDER BY at_ms DESC, id DESC LIMIT @limit) AS newest ORDER BY at_ms, id";

    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(AuditQuery query, CancellationToken ct)
    {
        var p = new
        {
            agent = query.Agent, since = query.Since?.ToUnixTimeMilliseconds() ?? 0, until = query.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue,
            tool = query.Tool, outcome = query.Outcome, limit = (long)(query.Limit ?? 0),
        };
        return database.ReadAsync<IReadOnlyList<AuditRecord>>(async s =>
        {
            var rows = (query.WithPayloads, query.Limit is not null) switch
            {
                (true, false) => await s.Connection.QueryAsync<AuditRow>(AuditAll, p, s.Transaction),
                (true, true) => await s.Connection.QueryAsync<AuditRow>(AuditNewest, p, s.Transaction),
                (false, false) => await s.Connection.QueryAsync<AuditRow>(AuditAllBare, p, s.Transaction),
                (false, true) => await s.Connection.QueryAsync<AuditRow>(AuditNewestBare, p, s.Transaction),
            };
            return rows.Select(r => query.WithHashes ? r.ToRecord() : r.ToRecord() with { Hash = null }).ToArray();
        }, ct);
    }

    public Task<AuditChainReport> VerifyChainAsync(CancellationToken ct) =>
        // One snapshot: a call completed mid-verification must not look like a row that disagrees with its chain.
        database.ReadAsync(async s =>
        {
            var verifier = new AuditChainVerifier();
            await foreach (var e in AuditChainStore.ReadAsync(s).WithCancellation(ct))
            {
                verifier.Add(e);
            }

            await foreach (var row in s.Connection.QueryUnbufferedAsync<AuditRow>($"SELECT {AuditRow.Columns} FROM audit ORDER BY id", transaction: s.Transaction)
                               .WithCancellation(ct))
            {
                verifier.AddRecord(row.ToRecord());
            }

            return verifier.Finish(withRecords: true);
        }, ct, snapshot: true);

    public IAsyncEnumerable<AuditChainEvent> ReadChainAsync(CancellationToken ct) => database.StreamAsync(AuditChainStore.ReadAsync, ct);

    public Task<IReadOnlyList<AgentActivity>> ReadAgentActivityAsync(DateTimeOffset since, CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<AgentActivity>>(async s =>
        {
            var last = (await s.Connection.QueryAsync<LastCall>("SELECT agent, MAX(at_ms) AS at_ms FROM audit GROUP BY agent", transaction: s.Transaction))
                .ToDictionary(r => r.Agent, r => r.AtMs);
            // The hourly series: whole hours that overlap the period, like the budgets count them.
            var spend = (await s.Connection.QueryAsync<ScopeSpend>(
                "SELECT scope, currency, CAST(SUM(amount) AS BIGINT) AS minor FROM usage_bucket WHERE kind = 'spend' AND granularity_ms = 3600000 " +
                "AND bucket_ms > @from AND scope LIKE 'agent:%' GROUP BY scope, currency HAVING SUM(amount) <> 0",
                new { from = since.ToUnixTimeMilliseconds() - 3_600_000 }, s.Transaction)).ToLookup(r => r.Scope["agent:".Length..]);
            return [.. last.Keys.Union(spend.Select(g => g.Key)).Order(StringComparer.Ordinal).Select(agent => new AgentActivity(
                agent,
                last.TryGetValue(agent, out var at) ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
                spend[agent].ToDictionary(r => r.Currency, r => r.Minor)))];
        }, ct);

    public Task<IReadOnlyList<BudgetUsage>> ReadUsageAsync(RoleManifest role, CancellationToken ct)
    {
        var now = NowMs;
        return database.ReadAsync<IReadOnlyList<BudgetUsage>>(async s =>
        {
            var usage = new List<BudgetUsage>();
            foreach (var budget in role.Budgets)
            {
                var agents = budget.Per == LimitScope.Agent ? role.Agents.Select(a => (string?)a) : [null];
                foreach (var agent in agents)
                {
                    usage.Add(await BudgetQueries.UsageAsync(s, new CallIdentity(agent ?? "", role.Role), budget, now));
                }
            }

            return usage;
        }, ct, snapshot: true);
    }

    public Task<IReadOnlyList<HeldMoney>> ReadHeldAsync(CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<HeldMoney>>(async s => [.. await s.Connection.QueryAsync<HeldMoney>(
            // Cast: PostgreSQL's SUM of a bigint is a numeric.
            "SELECT currency, CAST(SUM(amount_minor) AS BIGINT) AS amount_minor FROM spend GROUP BY currency ORDER BY currency", transaction: s.Transaction)],
            ct, snapshot: true);

    public Task RenewLeaseAsync(InstanceLease lease, CancellationToken ct) =>
        database.WriteAsync(s => s.Connection.ExecuteAsync(
            "INSERT INTO instance_lease (instance_id, host, pid, started_at_ms, renewed_at_ms, expires_at_ms) " +
            "VALUES (@instance, @host, @pid, @started, @renewed, @expires) " +
            "ON CONFLICT (instance_id) DO UPDATE SET renewed_at_ms = excluded.renewed_at_ms, expires_at_ms = excluded.expires_at_ms",
            new
            {
                instance = lease.Instance, host = lease.Host, pid = lease.Pid, started = lease.Started.ToUnixTimeMilliseconds(),
                renewed = lease.Renewed.ToUnixTimeMilliseconds(), expires = lease.Expires.ToUnixTimeMilliseconds(),
            }, s.Transaction), ct, housekeeping: true);

    public Task EndLeaseAsync(string instance, CancellationToken ct)
    {
        // Lapsed now rather than deleted: a call whose instance has no lease at all is one this ledger cannot judge (an
        // instance that never took one), one whose lease lapsed is an orphan. Leases over a day old are cleared.
        var now = NowMs;
        return database.WriteAsync(async s =>
        {
            await s.Connection.ExecuteAsync("UPDATE instance_lease SET expires_at_ms = @now WHERE instance_id = @instance", new { now, instance }, s.Transaction);
            return await s.Connection.ExecuteAsync("DELETE FROM instance_lease WHERE expires_at_ms < @old", new { old = now - 86_400_000 }, s.Transaction);
        }, ct, housekeeping: true);
    }

    public Task<IReadOnlyList<InstanceLease>> ReadLeasesAsync(CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<InstanceLease>>(async s =>
            (await s.Connection.QueryAsync<LeaseRow>(
                "SELECT instance_id, host, pid, started_at_ms, renewed_at_ms, expires_at_ms FROM instance_lease ORDER BY started_at_ms", transaction: s.Transaction))
            .Select(r => new InstanceLease(r.InstanceId, r.Host, r.Pid, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs),
                DateTimeOffset.FromUnixTimeMilliseconds(r.RenewedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAtMs)))
            .ToArray(), ct);
}

/// <summary>Spellings of revocation scopes in the ledger.</summary>
public static class RevocationScopes
{
    public static string Agent(string agent) => $"agent:{agent}";

    public static string Role(string role) => $"role:{role}";

    public const string All = "all";
}

/// <summary>A <c>revocation</c> row.</summary>
internal sealed record RevocationRow(string Scope, long RevokedAtMs, string? Reason);

/// <summary>An agent's latest call.</summary>
internal sealed record LastCall(string Agent, long AtMs);

/// <summary>Money settled and held by one scope, in one currency.</summary>
internal sealed record ScopeSpend(string Scope, string Currency, long Minor);

/// <summary>An <c>instance_lease</c> row.</summary>
internal sealed record LeaseRow(string InstanceId, string Host, int Pid, long StartedAtMs, long RenewedAtMs, long ExpiresAtMs);
