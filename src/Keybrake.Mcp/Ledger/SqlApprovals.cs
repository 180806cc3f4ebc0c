using System.Security.Cryptography;
using Dapper;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Notifications;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Approvals in the shared ledger. Asking holds the money against the budgets under the approval's id (so a budget
/// cannot be spent twice while a human thinks); approving lets exactly one call with the same fingerprint use that
/// hold; denying or expiring releases it. Every decision is written to the audit log with who made it.
/// </summary>
public sealed class SqlApprovals(ILedgerDatabase database, TimeProvider time) : IApprovalStore
{
    private const string Columns =
        "id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms, " +
        "decided_at_ms, decided_by, reason, used_by_call, object, customer";

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The latest live (pending, approved or denied, unexpired) approval for this request, if any.</summary>
    public async Task<ApprovalRecord?> FindAsync(string fingerprint, CancellationToken ct)
    {
        await ExpireAsync(ct);
        var now = NowMs;
        return await database.ReadAsync(async s => (await s.Connection.QueryFirstOrDefaultAsync<ApprovalRow>(
            $"SELECT {Columns} FROM approval WHERE fingerprint = @fingerprint AND status IN ('pending', 'approved', 'denied') " +
            "AND expires_at_ms >= @now ORDER BY created_at_ms DESC LIMIT 1",
            new { fingerprint, now }, s.Transaction))?.ToRecord(), ct);
    }

    /// <summary>Creates a pending approval and holds its amount against the role's budgets, atomically.</summary>
    public Task<ApprovalRequestResult> RequestAsync(CallIdentity who, string tool, string fingerprint, string arguments, MoneyAmount amount,
        IReadOnlyList<Budget> budgets, TimeSpan expiresAfter, ApprovalSubject subject, CancellationToken ct)
    {
        var now = NowMs;
        var inCurrency = budgets.Where(b => b.Limit.Currency == amount.Currency).ToArray();
        return database.WriteAsync<ApprovalRequestResult>(async s =>
        {
            // The same locks as a call's hold: an approval's hold and a call's never both take the last of a budget.
            await s.Dialect.LockAsync(s, [.. inCurrency.Select(b => BudgetQueries.LockName(who, b)).Distinct().Order(StringComparer.Ordinal)], ct);
            if (await BudgetQueries.FirstWithoutRoomAsync(s, who, inCurrency, amount.Minor, now) is { } full)
            {
                return new ApprovalRequestResult.OverBudget(full);
            }

            var id = $"apr_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
            var expires = now + (long)expiresAfter.TotalMilliseconds;
            await SpendBook.HoldAsync(s, id, who, amount.Currency.Code, amount.Minor, budgets, now);
            await s.Connection.ExecuteAsync(
                "INSERT INTO approval (id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms, object, customer) " +
                "VALUES (@id, @agent, @role, @tool, @fingerprint, @arguments, @minor, @currency, 'pending', @now, @expires, @stripeObject, @customer)",
                new
                {
                    id, agent = who.Agent, role = who.Role, tool, fingerprint, arguments, minor = amount.Minor, currency = amount.Currency.Code, now, expires,
                    stripeObject = subject.Object, customer = subject.Customer,
                },
                s.Transaction);
            var created = new ApprovalRecord
            {
                Id = id, Agent = who.Agent, Role = who.Role, Tool = tool, Fingerprint = fingerprint, Arguments = arguments, Amount = amount,
                Status = ApprovalStatus.Pending, Created = DateTimeOffset.FromUnixTimeMilliseconds(now), Expires = DateTimeOffset.FromUnixTimeMilliseconds(expires),
                Subject = subject,
            };
            await Outbox.EnqueueAsync(s, NotificationEvents.ApprovalRequested(created));
            await BudgetThresholds.ReportHoldAsync(s, who, inCurrency, amount.Minor, now);
            return new ApprovalRequestResult.Created(created);
        }, ct);
    }

    /// <summary>
    /// Approves or denies a pending approval and audits the decision. An approval gives the agent
    /// <paramref name="window"/> from now to retry; a denial releases the hold. Null when no pending approval has that id.
    /// </summary>
    public async Task<ApprovalRecord?> DecideAsync(string id, bool approve, string by, string? reason, TimeSpan window, CancellationToken ct)
    {
        await ExpireAsync(ct);
        var now = NowMs;
        return await database.WriteAsync(async s =>
        {
            var decided = await s.Connection.QueryFirstOrDefaultAsync<ApprovalRow>(
                "UPDATE approval SET status = @status, decided_at_ms = @now, decided_by = @by, reason = @reason, " +
                $"expires_at_ms = CASE WHEN @approve THEN @until ELSE expires_at_ms END WHERE id = @id AND status = 'pending' RETURNING {Columns}",
                new { status = approve ? ApprovalStatus.Approved : ApprovalStatus.Denied, now, by, reason, approve, until = now + (long)window.TotalMilliseconds, id },
                s.Transaction);
            if (decided is null)
            {
                return null;
            }

            if (!approve)
            {
                await SpendBook.ReleaseAsync(s, id);
            }

            var record = decided.ToRecord();
            var decisionId = $"dec_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
            var arguments = new System.Text.Json.Nodes.JsonObject
            {
                ["approval_id"] = id, ["decision"] = approve ? "approve" : "deny", ["by"] = by, ["reason"] = reason,
            }.ToJsonString();
            var audited = new AuditRecord
            {
                Id = 0, CallId = decisionId, Time = DateTimeOffset.FromUnixTimeMilliseconds(now), Agent = record.Agent, Role = record.Role, Tool = record.Tool,
                Outcome = approve ? AuditOutcomes.Allowed : AuditOutcomes.Denied, Code = approve ? null : "not_allowed",
                Message = $"approval {id} for {record.Amount} {(approve ? "approved" : "denied")} by {by}" + (reason is null ? "" : $": {reason}"),
                Currency = record.Amount.Currency.Code, Arguments = arguments, DurationMs = 0,
            };
            await AuditChainStore.AppendNewAsync(s, AuditChainContent.Prepare(audited), decisionId, now, (rowId, hash) => s.Connection.ExecuteAsync(
                "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, code, message, amount, currency, arguments, duration_ms, hash) " +
                "VALUES (@rowId, @decisionId, @now, @agent, @role, @tool, @outcome, @code, @message, NULL, @currency, @arguments, 0, @hash)",
                new
                {
                    rowId, decisionId, now, agent = audited.Agent, role = audited.Role, tool = audited.Tool, outcome = audited.Outcome, code = audited.Code,
                    message = audited.Message, currency = audited.Currency, arguments, hash,
                }, s.Transaction));
            await Outbox.EnqueueAsync(s, NotificationEvents.ApprovalDecided(record, DateTimeOffset.FromUnixTimeMilliseconds(now)));
            return record;
        }, ct);
    }

    /// <summary>Approvals, newest last; pending (and approved, unused) only unless <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListAsync(bool all, CancellationToken ct)
    {
        await ExpireAsync(ct);
        return await database.ReadAsync<IReadOnlyList<ApprovalRecord>>(async s =>
            (await s.Connection.QueryAsync<ApprovalRow>(
                $"SELECT {Columns} FROM approval WHERE @all OR status IN ('pending', 'approved') ORDER BY created_at_ms", new { all }, s.Transaction))
            .Select(r => r.ToRecord()).ToArray(), ct);
    }

    public async Task<ApprovalRecord?> GetAsync(string id, CancellationToken ct)
    {
        await ExpireAsync(ct);
        return await database.ReadAsync(async s => (await s.Connection.QueryFirstOrDefaultAsync<ApprovalRow>(
            $"SELECT {Columns} FROM approval WHERE id = @id", new { id }, s.Transaction))?.ToRecord(), ct);
    }

    public async Task<IReadOnlyList<ApprovalRecord>> ListLatestAsync(int count, CancellationToken ct)
    {
        await ExpireAsync(ct);
        return await database.ReadAsync<IReadOnlyList<ApprovalRecord>>(async s =>
            (await s.Connection.QueryAsync<ApprovalRow>(
                $"SELECT {Columns} FROM approval ORDER BY created_at_ms DESC, id DESC LIMIT @count", new { count }, s.Transaction))
            .Select(r => r.ToRecord()).ToArray(), ct);
    }

    /// <summary>Pending or approved-but-unused approvals past their time expire, and their holds are released.</summary>
    public async Task ExpireAsync(CancellationToken ct)
    {
        var now = NowMs;
        var stale = await database.ReadAsync(s => s.Connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM approval WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", new { now }, s.Transaction), ct);
        if (stale == 0)
        {
            return;
        }

        await database.WriteAsync(async s =>
        {
            // Marked first: of two processes expiring at once, each releases only the holds of the rows it marked.
            var expired = (await s.Connection.QueryAsync<string>(
                "UPDATE approval SET status = 'expired' WHERE status IN ('pending', 'approved') AND expires_at_ms < @now RETURNING id",
                new { now }, s.Transaction)).ToArray();
            foreach (var id in expired)
            {
                await SpendBook.ReleaseAsync(s, id);
            }

            return expired.Length;
        }, ct);
    }

    /// <summary>
    /// Inside a call's start transaction: turns an approved approval's hold into the call's hold and marks it used.
    /// False when it is no longer approved (expired, used by a racing call), so the call must not proceed on it.
    /// </summary>
    internal static async Task<bool> ConsumeAsync(LedgerSession s, string approvalId, string fingerprint, string callId, long now)
    {
        var used = await s.Connection.ExecuteAsync(
            "UPDATE approval SET status = 'used', used_by_call = @callId WHERE id = @approvalId AND fingerprint = @fingerprint " +
            "AND status = 'approved' AND expires_at_ms >= @now",
            new { callId, approvalId, fingerprint, now }, s.Transaction);
        if (used == 0)
        {
            return false;
        }

        await SpendBook.TransferAsync(s, approvalId, callId);
        return true;
    }
}

/// <summary>An <c>approval</c> row.</summary>
internal sealed class ApprovalRow
{
    public string Id { get; init; } = "";
    public string Agent { get; init; } = "";
    public string Role { get; init; } = "";
    public string Tool { get; init; } = "";
    public string Fingerprint { get; init; } = "";
    public string Arguments { get; init; } = "";
    public long AmountMinor { get; init; }
    public string Currency { get; init; } = "";
    public string Status { get; init; } = "";
    public long CreatedAtMs { get; init; }
    public long ExpiresAtMs { get; init; }
    public long? DecidedAtMs { get; init; }
    public string? DecidedBy { get; init; }
    public string? Reason { get; init; }
    public string? UsedByCall { get; init; }
    public string? Object { get; init; }
    public string? Customer { get; init; }

    public ApprovalRecord ToRecord() => new()
    {
        Id = Id, Agent = Agent, Role = Role, Tool = Tool, Fingerprint = Fingerprint, Arguments = Arguments,
        Amount = new MoneyAmount(AmountMinor, Money.Currency.Get(Currency)), Status = Status,
        Created = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), Expires = DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs),
        Decided = DecidedAtMs is { } decided ? DateTimeOffset.FromUnixTimeMilliseconds(decided) : null,
        DecidedBy = DecidedBy, Reason = Reason, UsedByCall = UsedByCall, Subject = new ApprovalSubject(Object, Customer),
    };
}
