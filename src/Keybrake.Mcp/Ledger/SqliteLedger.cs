using System.Data;
using System.Runtime.CompilerServices;
using Dapper;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The ledger on one SQLite file shared by every process on the machine. Every check-and-write runs inside
/// <c>BEGIN IMMEDIATE</c>, which takes the database's write lock first, so two processes can never both pass
/// a budget check that only one of them fits.
/// </summary>
public sealed class SqliteLedger(SqliteDatabase database, TimeProvider time) : ILedger
{
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Revocation?> FindRevocationAsync(CallIdentity who, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<RevocationRow>(new CommandDefinition(
            "SELECT scope AS Scope, revoked_at_ms AS RevokedAtMs, reason AS Reason FROM revocation " +
            "WHERE scope IN (@Agent, @Role, 'all') ORDER BY revoked_at_ms LIMIT 1",
            new { Agent = RevocationScopes.Agent(who.Agent), Role = RevocationScopes.Role(who.Role) },
            cancellationToken: ct));
        return row is null ? null : new Revocation(row.Scope, DateTimeOffset.FromUnixTimeMilliseconds(row.RevokedAtMs), row.Reason);
    }

    public async Task RevokeAsync(string scope, string? reason, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO revocation (scope, revoked_at_ms, reason) VALUES (@scope, @now, @reason) " +
            "ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason",
            new { scope, now = NowMs, reason }, cancellationToken: ct));
    }

    public async Task<bool> ReinstateAsync(string scope, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM revocation WHERE scope = @scope", new { scope }, cancellationToken: ct)) > 0;
    }

    public async Task<RateCheck> CountCallAsync(CallIdentity who, string tool, IReadOnlyList<RateLimit> limits, CancellationToken ct)
    {
        if (limits.Count == 0)
        {
            return new RateCheck(null, []);
        }

        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await BeginImmediateAsync(connection, ct);
        var shadowHits = new List<RateLimitHit>();
        foreach (var limit in limits.OrderBy(l => l.Shadow))
        {
            var scope = UsageBuckets.Scope(limit.Per, who);
            var used = await UsageBuckets.SumAsync(connection, tx, scope, UsageBuckets.Calls, "", limit.Window, now, ct);
            if (used >= limit.Calls)
            {
                // A slot frees when the oldest bucket that still counts leaves the window.
                var oldest = await UsageBuckets.OldestAsync(connection, tx, scope, UsageBuckets.Calls, limit.Window, now, ct) ?? now;
                var retryAfter = limit.Window.Length() is { } length
                    ? TimeSpan.FromMilliseconds(Math.Max(1, oldest + UsageBuckets.BucketLength(limit.Window) + (long)length.TotalMilliseconds - now))
                    : TimeSpan.MaxValue;
                var hit = new RateLimitHit(limit, (int)Math.Min(int.MaxValue, used), retryAfter);
                if (!limit.Shadow)
                {
                    return new RateCheck(hit, shadowHits);
                }

                shadowHits.Add(hit);
            }
        }

        foreach (var group in limits.GroupBy(l => UsageBuckets.Scope(l.Per, who)))
        {
            var mask = group.Aggregate(0, (m, l) => m | 1 << UsageBuckets.SeriesOf(l.Window));
            await UsageBuckets.AddAsync(connection, tx, group.Key, UsageBuckets.Calls, "", mask, now, 1, ct);
        }

        // Old buckets can never count again; clearing them now and then keeps the table small without a job.
        if (Random.Shared.Next(256) == 0)
        {
            await UsageBuckets.PruneAsync(connection, tx, now, ct);
        }

        await tx.CommitAsync(ct);
        return new RateCheck(null, shadowHits);
    }

    public async Task<StartDecision> StartCallAsync(CallStart start, CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await BeginImmediateAsync(connection, ct);

        var shadowOverruns = new List<(Budget, long)>();

        // Checked again under the write lock: two identical calls racing each other are still one request.
        if (start.Fingerprint is { } fingerprint && await FindEarlierAsync(connection, tx, fingerprint, start.RetryHorizon, ct) is { } earlier)
        {
            return new StartDecision.Retry(earlier);
        }

        if (start.ApprovalId is { } approvalId)
        {
            if (!await SqliteApprovals.ConsumeAsync(connection, tx, approvalId, start.Fingerprint ?? "", start.CallId, now, ct))
            {
                return new StartDecision.ApprovalGone(approvalId);
            }
        }
        else if (start.Hold is { } hold)
        {
            foreach (var budget in start.Budgets.Where(b => b.Limit.Currency == hold.Currency).OrderBy(b => b.Shadow))
            {
                var used = await BudgetQueries.UsedAsync(connection, tx, start.Who, budget, now, ct);
                if (used + hold.Minor > budget.Limit.Minor)
                {
                    if (!budget.Shadow)
                    {
                        return new StartDecision.OverBudget(budget, used);
                    }

                    shadowOverruns.Add((budget, used));
                }
            }

            await SpendBook.HoldAsync(connection, tx, start.CallId, start.Who, hold.Currency.Code, hold.Minor, start.Budgets, now, ct);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, amount, currency, object, idempotency_key, arguments, fingerprint) " +
            "VALUES (@CallId, @now, @Agent, @Role, @Tool, 'unknown', NULL, @Currency, @Object, @IdempotencyKey, @Arguments, @Fingerprint)",
            new
            {
                start.CallId, now, start.Who.Agent, start.Who.Role, start.Tool, Currency = start.Hold?.Currency.Code,
                start.Object, start.IdempotencyKey, start.Arguments, start.Fingerprint,
            }, tx, cancellationToken: ct));
        await AuditChainStore.AppendAsync(connection, tx, start.CallId, now, ct);
        await tx.CommitAsync(ct);
        return new StartDecision.Started(start.IdempotencyKey, shadowOverruns);
    }

    public async Task<AuditRecord?> FindEarlierAsync(string fingerprint, DateTimeOffset horizon, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindEarlierAsync(connection, null, fingerprint, horizon, ct);
    }

    private static async Task<AuditRecord?> FindEarlierAsync(SqliteConnection connection, IDbTransaction? tx, string fingerprint, DateTimeOffset horizon, CancellationToken ct)
    {
        var row = await connection.QueryFirstOrDefaultAsync<AuditRow>(new CommandDefinition(
            $"SELECT {AuditRow.Columns} FROM audit WHERE fingerprint = @fingerprint AND at_ms >= @horizon " +
            "AND outcome IN ('allowed', 'unknown') ORDER BY id DESC LIMIT 1",
            new { fingerprint, horizon = horizon.ToUnixTimeMilliseconds() }, tx, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task CompleteCallAsync(CallCompletion c, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await BeginImmediateAsync(connection, ct);
        if (c.Outcome == AuditOutcomes.Unknown)
        {
            // Nobody knows whether Stripe moved the money: the hold stays until reconciled.
        }
        else if (c.MovedMinor is not null || c.SettleAsHeld)
        {
            await SpendBook.SettleAsync(connection, tx, c.CallId, c.MovedMinor, ct);
        }
        else
        {
            await SpendBook.ReleaseAsync(connection, tx, c.CallId, ct);
        }

        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE audit SET outcome = @Outcome, code = @Code, message = @Message, " +
            "amount = CASE WHEN @SettleAsHeld AND @MovedMinor IS NULL THEN (SELECT amount_minor FROM spend WHERE spend.call_id = audit.call_id) ELSE @MovedMinor END, " +
            "currency = COALESCE(@Currency, currency), object = COALESCE(@Object, object), stripe_request_id = @StripeRequestId, " +
            "duration_ms = @DurationMs, result = @Result WHERE call_id = @CallId",
            c, tx, cancellationToken: ct));
        if (updated > 0)
        {
            await AuditChainStore.AppendAsync(connection, tx, c.CallId, NowMs, ct);
        }

        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadUnknownAsync(string? stripeObject, DateTimeOffset startedBefore, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // Two statements, not one with "(@o IS NULL OR object = @o)": that form keeps SQLite off both indexes and made
        // this per-call lookup scan the whole audit log.
        var sql = stripeObject is null
            ? $"SELECT {AuditRow.Columns} FROM audit WHERE outcome = 'unknown' AND at_ms < @before ORDER BY id"
            : $"SELECT {AuditRow.Columns} FROM audit WHERE object = @stripeObject AND outcome = 'unknown' AND at_ms < @before ORDER BY id";
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            sql, new { stripeObject, before = startedBefore.ToUnixTimeMilliseconds() }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task RecordDenialAsync(DeniedCall d, CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        // The row and its chain event commit together, under the write lock that keeps the chain from forking.
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await BeginImmediateAsync(connection, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, code, message, arguments, result, duration_ms) " +
            "VALUES (@CallId, @now, @Agent, @Role, @Tool, @Outcome, @Code, @Message, @Arguments, @Result, 0)",
            new { d.CallId, now, d.Who.Agent, d.Who.Role, d.Tool, d.Outcome, d.Code, d.Message, d.Arguments, d.Result },
            tx, cancellationToken: ct));
        await AuditChainStore.AppendAsync(connection, tx, d.CallId, now, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(AuditQuery query, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            $"SELECT * FROM (SELECT {AuditRow.Columns}, {AuditRow.HashColumn} FROM audit WHERE (@Agent IS NULL OR agent = @Agent) AND at_ms >= @since " +
            "AND at_ms < @until AND (@Tool IS NULL OR tool = @Tool) AND (@Outcome IS NULL OR outcome = @Outcome) " +
            "ORDER BY id DESC LIMIT @limit) ORDER BY Id",
            new
            {
                query.Agent, query.Tool, query.Outcome, since = query.Since?.ToUnixTimeMilliseconds() ?? 0,
                until = query.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit = query.Limit ?? -1,
            },
            cancellationToken: ct));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<AuditChainReport> VerifyChainAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One read snapshot: a call completed mid-verification must not look like a row that disagrees with its chain.
        await using var tx = connection.BeginTransaction(deferred: true);
        var verifier = new AuditChainVerifier();
        await foreach (var e in AuditChainStore.ReadAsync(connection, tx).WithCancellation(ct))
        {
            verifier.Add(e);
        }

        await foreach (var row in connection.QueryUnbufferedAsync<AuditRow>($"SELECT {AuditRow.Columns} FROM audit ORDER BY id", transaction: tx).WithCancellation(ct))
        {
            verifier.AddRecord(row.ToRecord());
        }

        return verifier.Finish(withRecords: true);
    }

    public async IAsyncEnumerable<AuditChainEvent> ReadChainAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await foreach (var e in AuditChainStore.ReadAsync(connection, null).WithCancellation(ct))
        {
            yield return e;
        }
    }

    public async Task<IReadOnlyList<AgentActivity>> ReadAgentActivityAsync(DateTimeOffset since, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var last = (await connection.QueryAsync<(string Agent, long AtMs)>(new CommandDefinition(
            "SELECT agent, MAX(at_ms) FROM audit GROUP BY agent", cancellationToken: ct))).ToDictionary(r => r.Agent, r => r.AtMs);
        // The hourly series: whole hours that overlap the period, like the budgets count them.
        var spend = (await connection.QueryAsync<(string Scope, string Currency, long Minor)>(new CommandDefinition(
            "SELECT scope, currency, SUM(amount) FROM usage_bucket WHERE kind = 'spend' AND granularity_ms = 3600000 AND bucket_ms > @from " +
            "AND scope LIKE 'agent:%' GROUP BY scope, currency HAVING SUM(amount) <> 0",
            new { from = since.ToUnixTimeMilliseconds() - 3_600_000 }, cancellationToken: ct))).ToLookup(r => r.Scope["agent:".Length..]);
        return [.. last.Keys.Union(spend.Select(g => g.Key)).Order(StringComparer.Ordinal).Select(agent => new AgentActivity(
            agent,
            last.TryGetValue(agent, out var at) ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            spend[agent].ToDictionary(r => r.Currency, r => r.Minor)))];
    }

    public async Task<IReadOnlyList<BudgetUsage>> ReadUsageAsync(RoleManifest role, CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        var usage = new List<BudgetUsage>();
        foreach (var budget in role.Budgets)
        {
            var agents = budget.Per == LimitScope.Agent ? role.Agents.Select(a => (string?)a) : [null];
            foreach (var agent in agents)
            {
                var who = new CallIdentity(agent ?? "", role.Role);
                var used = await UsageBuckets.SumAsync(connection, null, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now, ct);
                // Holds are few (calls in flight, unknown outcomes, approvals): read them from their rows.
                var held = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    // "+role" keeps SQLite on the state index: held rows are few, the role's settled rows are many.
                    "SELECT COALESCE(SUM(amount_minor), 0) FROM spend WHERE state = 'held' AND +role = @Role AND currency = @Currency " +
                    "AND at_ms >= @from AND (@agent IS NULL OR agent = @agent)",
                    new { role.Role, Currency = budget.Limit.Currency.Code, from = BudgetQueries.WindowStart(budget.Window, now), agent },
                    cancellationToken: ct));
                usage.Add(new BudgetUsage(role.Role, agent, budget, used - held, held));
            }
        }

        return usage;
    }

    internal static Task<SqliteTransaction> BeginImmediateAsync(SqliteConnection connection, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // deferred: false issues BEGIN IMMEDIATE: the write lock is taken before the first read of the check.
        return Task.FromResult(connection.BeginTransaction(deferred: false));
    }

    private sealed class RevocationRow
    {
        public string Scope { get; init; } = "";
        public long RevokedAtMs { get; init; }
        public string? Reason { get; init; }
    }
}

/// <summary>Spellings of revocation scopes in the ledger.</summary>
public static class RevocationScopes
{
    public static string Agent(string agent) => $"agent:{agent}";

    public static string Role(string role) => $"role:{role}";

    public const string All = "all";
}
