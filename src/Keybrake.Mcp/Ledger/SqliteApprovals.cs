using System.Security.Cryptography;
using Dapper;
using Keybrake.Mcp.Ledger.Storage;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Approvals in the shared ledger. Asking holds the money against the budgets under the approval's id (so a budget
/// cannot be spent twice while a human thinks); approving lets exactly one call with the same fingerprint use that
/// hold; denying or expiring releases it. Every decision is written to the audit log with who made it.
/// </summary>
public sealed class SqliteApprovals(SqliteDatabase database, TimeProvider time) : IApprovalStore
{
    private const string Columns =
        "id AS Id, agent AS Agent, role AS Role, tool AS Tool, fingerprint AS Fingerprint, arguments AS Arguments, " +
        "amount_minor AS AmountMinor, currency AS Currency, status AS Status, created_at_ms AS CreatedAtMs, expires_at_ms AS ExpiresAtMs, " +
        "decided_at_ms AS DecidedAtMs, decided_by AS DecidedBy, reason AS Reason, used_by_call AS UsedByCall";

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The latest live (pending, approved or denied, unexpired) approval for this request, if any.</summary>
    public async Task<ApprovalRecord?> FindAsync(string fingerprint, CancellationToken ct)
    {
        await ExpireAsync(ct);
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM approval WHERE fingerprint = @fingerprint AND status IN ('pending', 'approved', 'denied') " +
            "AND expires_at_ms >= @now ORDER BY created_at_ms DESC LIMIT 1",
            new { fingerprint, now = NowMs }, cancellationToken: ct));
        return row?.ToRecord();
    }

    /// <summary>Creates a pending approval and holds its amount against the role's budgets, atomically.</summary>
    public async Task<ApprovalRequestResult> RequestAsync(CallIdentity who, string tool, string fingerprint, string arguments, MoneyAmount amount,
        IReadOnlyList<Budget> budgets, TimeSpan expiresAfter, CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await SqliteLedger.BeginImmediateAsync(connection, ct);
        if (BudgetQueries.FirstWithoutRoom(connection, who, budgets.Where(b => b.Limit.Currency == amount.Currency), amount.Minor, now) is { } full)
        {
            return new ApprovalRequestResult.OverBudget(full.Budget, full.UsedMinor);
        }

        var id = $"apr_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var expires = now + (long)expiresAfter.TotalMilliseconds;
        SpendBook.Hold(connection, id, who, amount.Currency.Code, amount.Minor, budgets, now);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO approval (id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms) " +
            "VALUES (@id, @Agent, @Role, @tool, @fingerprint, @arguments, @Minor, @Currency, 'pending', @now, @expires)",
            new { id, who.Agent, who.Role, tool, fingerprint, arguments, amount.Minor, Currency = amount.Currency.Code, now, expires }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new ApprovalRequestResult.Created(new ApprovalRecord
        {
            Id = id, Agent = who.Agent, Role = who.Role, Tool = tool, Fingerprint = fingerprint, Arguments = arguments, Amount = amount,
            Status = ApprovalStatus.Pending, Created = DateTimeOffset.FromUnixTimeMilliseconds(now), Expires = DateTimeOffset.FromUnixTimeMilliseconds(expires),
        });
    }

    /// <summary>
    /// Approves or denies a pending approval and audits the decision. An approval gives the agent
    /// <paramref name="window"/> from now to retry; a denial releases the hold. Null when no pending approval has that id.
    /// </summary>
    public async Task<ApprovalRecord?> DecideAsync(string id, bool approve, string by, string? reason, TimeSpan window, CancellationToken ct)
    {
        await ExpireAsync(ct);
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        using var writing = await database.LockWritesAsync(ct);
        await using var tx = await SqliteLedger.BeginImmediateAsync(connection, ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE approval SET status = @status, decided_at_ms = @now, decided_by = @by, reason = @reason, " +
            "expires_at_ms = CASE WHEN @approve THEN @until ELSE expires_at_ms END WHERE id = @id AND status = 'pending'",
            new { id, status = approve ? ApprovalStatus.Approved : ApprovalStatus.Denied, now, by, reason, approve, until = now + (long)window.TotalMilliseconds },
            tx, cancellationToken: ct));
        if (updated == 0)
        {
            return null;
        }

        if (!approve)
        {
            SpendBook.Release(connection, id);
        }

        var record = (await connection.QueryFirstAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM approval WHERE id = @id", new { id }, tx, cancellationToken: ct))).ToRecord();
        var decisionId = $"dec_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, code, message, amount, currency, arguments, duration_ms) " +
            "VALUES (@decisionId, @now, @Agent, @Role, @Tool, @outcome, @code, @message, NULL, @currency, @arguments, 0)",
            new
            {
                decisionId, now, record.Agent, record.Role, record.Tool,
                outcome = approve ? AuditOutcomes.Allowed : AuditOutcomes.Denied,
                code = approve ? null : "not_allowed",
                message = $"approval {id} for {record.Amount} {(approve ? "approved" : "denied")} by {by}" + (reason is null ? "" : $": {reason}"),
                currency = record.Amount.Currency.Code,
                arguments = new System.Text.Json.Nodes.JsonObject
                {
                    ["approval_id"] = id, ["decision"] = approve ? "approve" : "deny", ["by"] = by, ["reason"] = reason,
                }.ToJsonString(),
            }, tx, cancellationToken: ct));
        AuditChainStore.Append(connection, decisionId, now);
        await tx.CommitAsync(ct);
        return record;
    }

    /// <summary>Approvals, newest last; pending (and approved, unused) only unless <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListAsync(bool all, CancellationToken ct)
    {
        await ExpireAsync(ct);
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM approval WHERE @all OR status IN ('pending', 'approved') ORDER BY created_at_ms",
            new { all }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>Pending or approved-but-unused approvals past their time expire, and their holds are released.</summary>
    public async Task ExpireAsync(CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        var stale = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM approval WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", new { now }, cancellationToken: ct));
        if (stale == 0)
        {
            return;
        }

        using var writing = await database.LockWritesAsync(ct);

        await using var tx = await SqliteLedger.BeginImmediateAsync(connection, ct);
        var expired = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM approval WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", new { now }, tx, cancellationToken: ct));
        foreach (var id in expired)
        {
            SpendBook.Release(connection, id);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE approval SET status = 'expired' WHERE status IN ('pending', 'approved') AND expires_at_ms < @now",
            new { now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Inside a call's start transaction: turns an approved approval's hold into the call's hold and marks it used.
    /// False when it is no longer approved (expired, used by a racing call), so the call must not proceed on it.
    /// </summary>
    internal static bool Consume(SqliteConnection connection, string approvalId, string fingerprint, string callId, long now)
    {
        var used = connection.Exec(
            "UPDATE approval SET status = 'used', used_by_call = @callId WHERE id = @approvalId AND fingerprint = @fingerprint " +
            "AND status = 'approved' AND expires_at_ms >= @now",
            ("@callId", callId), ("@approvalId", approvalId), ("@fingerprint", fingerprint), ("@now", now));
        if (used == 0)
        {
            return false;
        }

        connection.Exec("UPDATE spend SET call_id = @callId WHERE call_id = @approvalId", ("@callId", callId), ("@approvalId", approvalId));
        return true;
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Agent { get; init; } = "";
        public string Role { get; init; } = "";
        public string Tool { get; init; } = "";
        public string Fingerprint { get; init; } = "";
        public string Arguments { get; init; } = "{}";
        public long AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public string Status { get; init; } = "";
        public long CreatedAtMs { get; init; }
        public long ExpiresAtMs { get; init; }
        public long? DecidedAtMs { get; init; }
        public string? DecidedBy { get; init; }
        public string? Reason { get; init; }
        public string? UsedByCall { get; init; }

        public ApprovalRecord ToRecord() => new()
        {
            Id = Id, Agent = Agent, Role = Role, Tool = Tool, Fingerprint = Fingerprint, Arguments = Arguments,
            Amount = new MoneyAmount(AmountMinor, Keybrake.Mcp.Money.Currency.Get(Currency)), Status = Status,
            Created = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), Expires = DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs),
            Decided = DecidedAtMs is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null, DecidedBy = DecidedBy, Reason = Reason, UsedByCall = UsedByCall,
        };
    }
}
