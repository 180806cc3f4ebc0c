using System.Runtime.CompilerServices;
using Keybrake.Mcp.Ledger.Storage;
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

    public Task<Revocation?> FindRevocationAsync(CallIdentity who, CancellationToken ct) =>
        Task.FromResult(database.Read(c => c.ReadFirst(
            "SELECT scope, revoked_at_ms, reason FROM revocation WHERE scope IN (@agent, @role, 'all') ORDER BY revoked_at_ms LIMIT 1",
            r => new Revocation(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.NullableString(2)),
            ("@agent", RevocationScopes.Agent(who.Agent)), ("@role", RevocationScopes.Role(who.Role)))));

    public async Task RevokeAsync(string scope, string? reason, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        connection.Exec(
            "INSERT INTO revocation (scope, revoked_at_ms, reason) VALUES (@scope, @now, @reason) " +
            "ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason",
            ("@scope", scope), ("@now", NowMs), ("@reason", reason));
    }

    public async Task<bool> ReinstateAsync(string scope, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return connection.Exec("DELETE FROM revocation WHERE scope = @scope", ("@scope", scope)) > 0;
    }

    public Task<RateCheck> CheckRateAsync(CallIdentity who, IReadOnlyList<RateLimit> limits, CancellationToken ct)
    {
        var now = NowMs;
        return Task.FromResult(limits.Count == 0 ? RateCounts.None : database.Read(c => RateCounts.Check(c, who, limits, now)));
    }

    public Task<StartDecision> StartCallAsync(CallStart start, CancellationToken ct)
    {
        var now = NowMs;
        // The 'started' row's sealed content is built here, outside the one writer; only its id is left.
        var (arguments, argumentsSha256) = AuditArguments.Bound(start.Arguments);
        var content = AuditChainContent.Prepare(new AuditRecord
        {
            Id = 0, CallId = start.CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(now), Agent = start.Who.Agent, Role = start.Who.Role, Tool = start.Tool,
            Outcome = AuditOutcomes.Unknown, Currency = start.Hold?.Currency.Code, Object = start.Object, IdempotencyKey = start.IdempotencyKey,
            Arguments = arguments, ArgumentsSha256 = argumentsSha256,
        });
        return database.WriteAsync(connection => StartCall(connection, start with { Arguments = arguments }, argumentsSha256, content, now), ct);
    }

    private static StartDecision StartCall(SqliteConnection connection, CallStart start, string? argumentsSha256, PreparedContent content, long now)
    {
        var shadowOverruns = new List<BudgetUsage>();

        // Checked again under the write lock: two identical calls racing each other are still one request.
        if (start.Fingerprint is { } fingerprint && FindEarlier(connection, fingerprint, start.RetryHorizon) is { } earlier)
        {
            // It passed the rate check and may still reach Stripe (an unknown outcome is sent again): it counts.
            RateCounts.Count(connection, start.Who, start.RateLimits, now);
            return new StartDecision.Retry(earlier);
        }

        // Exactly, now: concurrent calls may have filled a limit since this one's first check. Counted whatever follows.
        if (start.RateLimits.Count > 0)
        {
            if (RateCounts.Check(connection, start.Who, start.RateLimits, now).Hit is { } hit)
            {
                return new StartDecision.RateLimited(hit);
            }

            RateCounts.Count(connection, start.Who, start.RateLimits, now);
        }

        if (start.ExclusiveOnObject && start.Object is { } touched && connection.ReadFirst(
                $"SELECT {AuditRow.Columns} FROM audit WHERE object = @object AND outcome = 'unknown' ORDER BY at_ms LIMIT 1",
                AuditRow.Read, ("@object", touched)) is { } busy)
        {
            return new StartDecision.ObjectBusy(busy.ToRecord());
        }

        if (start.ApprovalId is { } approvalId)
        {
            if (!SqliteApprovals.Consume(connection, approvalId, start.Fingerprint ?? "", start.CallId, now))
            {
                return new StartDecision.ApprovalGone(approvalId);
            }
        }
        else if (start.Hold is { } hold)
        {
            foreach (var budget in start.Budgets.Where(b => b.Limit.Currency == hold.Currency).OrderBy(b => b.Shadow))
            {
                var used = BudgetQueries.Used(connection, start.Who, budget, now);
                if (used + hold.Minor > budget.Limit.Minor)
                {
                    var usage = BudgetQueries.Usage(connection, start.Who, budget, now, used);
                    if (!budget.Shadow)
                    {
                        return new StartDecision.OverBudget(usage);
                    }

                    shadowOverruns.Add(usage);
                }
            }

            SpendBook.Hold(connection, start.CallId, start.Who, hold.Currency.Code, hold.Minor, start.Budgets, now);
        }

        AuditChainStore.AppendNew(connection, content, start.CallId, now, (id, hash) => connection.Exec(
            "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, amount, currency, object, idempotency_key, arguments, arguments_sha256, fingerprint, hash, context) " +
            "VALUES (@id, @callId, @now, @agent, @role, @tool, @outcome, NULL, @currency, @object, @idempotencyKey, @arguments, @argumentsSha256, @fingerprint, @hash, @context)",
            ("@id", id), ("@callId", start.CallId), ("@now", now), ("@agent", start.Who.Agent), ("@role", start.Who.Role), ("@tool", start.Tool),
            ("@outcome", AuditOutcomes.Unknown), ("@currency", start.Hold?.Currency.Code), ("@object", start.Object), ("@idempotencyKey", start.IdempotencyKey),
            ("@arguments", start.Arguments), ("@argumentsSha256", argumentsSha256), ("@fingerprint", start.Fingerprint), ("@hash", hash), ("@context", start.Context)));
        return new StartDecision.Started(start.IdempotencyKey, shadowOverruns);
    }

    public Task<BudgetUsage?> FindBudgetWithoutRoomAsync(CallIdentity who, IReadOnlyList<Budget> budgets, long minor, CancellationToken ct)
    {
        var now = NowMs;
        return Task.FromResult(database.Read(connection => BudgetQueries.FirstWithoutRoom(connection, who, budgets, minor, now)));
    }

    public Task<AuditRecord?> FindEarlierAsync(string fingerprint, DateTimeOffset horizon, CancellationToken ct) =>
        Task.FromResult(database.Read(c => FindEarlier(c, fingerprint, horizon)));

    private static AuditRecord? FindEarlier(SqliteConnection connection, string fingerprint, DateTimeOffset horizon) =>
        connection.ReadFirst(
            $"SELECT {AuditRow.Columns} FROM audit WHERE fingerprint = @fingerprint AND at_ms >= @horizon " +
            "AND outcome IN ('allowed', 'unknown') ORDER BY at_ms DESC, id DESC LIMIT 1",
            AuditRow.Read, ("@fingerprint", fingerprint), ("@horizon", horizon.ToUnixTimeMilliseconds()))?.ToRecord();

    public Task CompleteCallAsync(CallCompletion c, CancellationToken ct)
    {
        var now = NowMs;
        return database.WriteAsync(connection =>
        {
            CompleteCall(connection, c, now);
            return true;
        }, ct);
    }

    private static void CompleteCall(SqliteConnection connection, CallCompletion c, long now)
    {
        // The row first: settling as held reads the held amount from the spend row that settling removes.
        // RETURNING: the row as updated seals it, without reading it again. Only a row still unknown: two completions of one
        // call (an agent's retry and the original, a reconciliation) race, and the first one that knows wins; a later one
        // must neither overwrite it nor settle a hold that is already gone.
        var updated = connection.ReadFirst(
            "UPDATE audit SET outcome = @outcome, code = @code, message = @message, " +
            "amount = CASE WHEN @settleAsHeld AND @moved IS NULL THEN (SELECT amount_minor FROM spend WHERE spend.call_id = audit.call_id) ELSE @moved END, " +
            "currency = COALESCE(@currency, currency), object = COALESCE(@object, object), stripe_request_id = @stripeRequestId, " +
            "recurring_delta = COALESCE(@recurringDelta, recurring_delta), " +
            $"duration_ms = @durationMs, result = @result WHERE call_id = @callId AND outcome = 'unknown' RETURNING {AuditRow.Columns}",
            AuditRow.Read, ("@outcome", c.Outcome), ("@code", c.Code), ("@message", c.Message), ("@settleAsHeld", c.SettleAsHeld), ("@moved", c.MovedMinor),
            ("@currency", c.Currency), ("@object", c.Object), ("@stripeRequestId", c.StripeRequestId),
            ("@recurringDelta", c.RecurringDelta?.ToJson().ToJsonString()), ("@durationMs", c.DurationMs),
            ("@result", c.Result), ("@callId", c.CallId));
        if (updated is null)
        {
            return;
        }

        if (c.Outcome == AuditOutcomes.Unknown)
        {
            // Nobody knows whether Stripe moved the money: the hold stays until reconciled.
        }
        else if (c.MovedMinor is not null || c.SettleAsHeld)
        {
            SpendBook.Settle(connection, c.CallId, c.MovedMinor);
        }
        else
        {
            SpendBook.Release(connection, c.CallId);
        }

        AuditChainStore.Append(connection, updated.ToRecord(), now);
    }

    public Task<IReadOnlyList<AuditRecord>> ReadUnknownAsync(string? stripeObject, DateTimeOffset startedBefore, CancellationToken ct)
    {
        // Two statements, not one with "(@o IS NULL OR object = @o)": that form kept SQLite off the index and made this
        // per-call lookup scan the whole audit log. Both read only the partial index of unknown calls (few at any time).
        var before = startedBefore.ToUnixTimeMilliseconds();
        var rows = database.Read(c => stripeObject is null
            ? c.ReadAll($"SELECT {AuditRow.Columns} FROM audit INDEXED BY ix_audit_unknown WHERE outcome = 'unknown' AND at_ms < @before ORDER BY id",
                AuditRow.Read, ("@before", before))
            : c.ReadAll($"SELECT {AuditRow.Columns} FROM audit WHERE object = @object AND outcome = 'unknown' AND at_ms < @before ORDER BY id",
                AuditRow.Read, ("@object", stripeObject), ("@before", before)));
        return Task.FromResult<IReadOnlyList<AuditRecord>>([.. rows.Select(r => r.ToRecord())]);
    }

    public Task RecordDenialAsync(DeniedCall d, CancellationToken ct)
    {
        var now = NowMs;
        // Everything but the row's id is known now: its sealed content is built here, outside the one writer.
        var (arguments, argumentsSha256) = AuditArguments.Bound(d.Arguments);
        var content = AuditChainContent.Prepare(new AuditRecord
        {
            Id = 0, CallId = d.CallId, Time = DateTimeOffset.FromUnixTimeMilliseconds(now), Agent = d.Who.Agent, Role = d.Who.Role, Tool = d.Tool,
            Outcome = d.Outcome, Code = d.Code, Message = d.Message, DurationMs = 0, Arguments = arguments, ArgumentsSha256 = argumentsSha256, Result = d.Result,
        });
        // The row and its chain event commit together, in the writer that keeps the chain from forking.
        return database.WriteAsync(connection =>
        {
            AuditChainStore.AppendNew(connection, content, d.CallId, now, (id, hash) => connection.Exec(
                "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, code, message, arguments, arguments_sha256, result, duration_ms, hash) " +
                "VALUES (@id, @callId, @now, @agent, @role, @tool, @outcome, @code, @message, @arguments, @argumentsSha256, @result, 0, @hash)",
                ("@id", id), ("@callId", d.CallId), ("@now", now), ("@agent", d.Who.Agent), ("@role", d.Who.Role), ("@tool", d.Tool),
                ("@outcome", d.Outcome), ("@code", d.Code), ("@message", d.Message), ("@arguments", arguments), ("@argumentsSha256", argumentsSha256),
                ("@result", d.Result), ("@hash", hash)));
            if (d.CountsAgainst.Count > 0)
            {
                RateCounts.Count(connection, d.Who, d.CountsAgainst, now);
            }

            return true;
        }, ct);
    }

    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(AuditQuery query, CancellationToken ct)
    {
        var columns = (query.WithPayloads ? AuditRow.Columns : AuditRow.ColumnsWithoutPayloads) + (query.WithHashes ? $", {AuditRow.HashColumn}" : "");
        // In time order (then id), as the time index holds them: a window of the log is read without sorting it, and
        // a limit takes the newest from the index's end.
        const string where = "WHERE (@agent IS NULL OR agent = @agent) AND at_ms >= @since AND at_ms < @until " +
            "AND (@tool IS NULL OR tool = @tool) AND (@outcome IS NULL OR outcome = @outcome)";
        var sql = query.Limit is null
            ? $"SELECT {columns} FROM audit {where} ORDER BY at_ms, id"
            : $"SELECT * FROM (SELECT {columns} FROM audit {where} ORDER BY at_ms DESC, id DESC LIMIT @limit) ORDER BY AtMs, Id";
        var rows = database.Read(c => c.ReadAll(sql,
            AuditRow.Read,
            ("@agent", query.Agent), ("@since", query.Since?.ToUnixTimeMilliseconds() ?? 0), ("@until", query.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue),
            ("@tool", query.Tool), ("@outcome", query.Outcome), ("@limit", query.Limit ?? -1)));
        return Task.FromResult<IReadOnlyList<AuditRecord>>(rows.ConvertAll(r => r.ToRecord()));
    }

    public async Task<AuditChainReport> VerifyChainAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One read snapshot: a call completed mid-verification must not look like a row that disagrees with its chain.
        await using var tx = connection.BeginTransaction(deferred: true);
        var verifier = new AuditChainVerifier();
        foreach (var e in AuditChainStore.Read(connection))
        {
            ct.ThrowIfCancellationRequested();
            verifier.Add(e);
        }

        foreach (var row in connection.Stream($"SELECT {AuditRow.Columns} FROM audit ORDER BY id", AuditRow.Read))
        {
            ct.ThrowIfCancellationRequested();
            verifier.AddRecord(row.ToRecord());
        }

        return verifier.Finish(withRecords: true);
    }

    public async IAsyncEnumerable<AuditChainEvent> ReadChainAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        foreach (var e in AuditChainStore.Read(connection))
        {
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public async Task<IReadOnlyList<AgentActivity>> ReadAgentActivityAsync(DateTimeOffset since, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var last = connection.ReadAll("SELECT agent, MAX(at_ms) FROM audit GROUP BY agent", r => (Agent: r.GetString(0), AtMs: r.GetInt64(1)))
            .ToDictionary(r => r.Agent, r => r.AtMs);
        // The hourly series: whole hours that overlap the period, like the budgets count them.
        var spend = connection.ReadAll(
            "SELECT scope, currency, SUM(amount) FROM usage_bucket WHERE kind = 'spend' AND granularity_ms = 3600000 AND bucket_ms > @from " +
            "AND scope LIKE 'agent:%' GROUP BY scope, currency HAVING SUM(amount) <> 0",
            r => (Scope: r.GetString(0), Currency: r.GetString(1), Minor: r.GetInt64(2)),
            ("@from", since.ToUnixTimeMilliseconds() - 3_600_000)).ToLookup(r => r.Scope["agent:".Length..]);
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
                usage.Add(BudgetQueries.Usage(connection, new CallIdentity(agent ?? "", role.Role), budget, now));
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
}

/// <summary>Spellings of revocation scopes in the ledger.</summary>
public static class RevocationScopes
{
    public static string Agent(string agent) => $"agent:{agent}";

    public static string Role(string role) => $"role:{role}";

    public const string All = "all";
}
