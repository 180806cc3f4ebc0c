using System.Security.Cryptography;
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
        "id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms, " +
        "decided_at_ms, decided_by, reason, used_by_call";

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The latest live (pending, approved or denied, unexpired) approval for this request, if any.</summary>
    public async Task<ApprovalRecord?> FindAsync(string fingerprint, CancellationToken ct)
    {
        await ExpireAsync(ct);
        await using var connection = await database.OpenAsync(ct);
        return connection.ReadFirst(
            $"SELECT {Columns} FROM approval WHERE fingerprint = @fingerprint AND status IN ('pending', 'approved', 'denied') " +
            "AND expires_at_ms >= @now ORDER BY created_at_ms DESC LIMIT 1",
            ReadRecord, ("@fingerprint", fingerprint), ("@now", NowMs));
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
            return new ApprovalRequestResult.OverBudget(full);
        }

        var id = $"apr_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var expires = now + (long)expiresAfter.TotalMilliseconds;
        SpendBook.Hold(connection, id, who, amount.Currency.Code, amount.Minor, budgets, now);
        connection.Exec(
            "INSERT INTO approval (id, agent, role, tool, fingerprint, arguments, amount_minor, currency, status, created_at_ms, expires_at_ms) " +
            "VALUES (@id, @agent, @role, @tool, @fingerprint, @arguments, @minor, @currency, 'pending', @now, @expires)",
            ("@id", id), ("@agent", who.Agent), ("@role", who.Role), ("@tool", tool), ("@fingerprint", fingerprint), ("@arguments", arguments),
            ("@minor", amount.Minor), ("@currency", amount.Currency.Code), ("@now", now), ("@expires", expires));
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
        var updated = connection.Exec(
            "UPDATE approval SET status = @status, decided_at_ms = @now, decided_by = @by, reason = @reason, " +
            "expires_at_ms = CASE WHEN @approve THEN @until ELSE expires_at_ms END WHERE id = @id AND status = 'pending'",
            ("@status", approve ? ApprovalStatus.Approved : ApprovalStatus.Denied), ("@now", now), ("@by", by), ("@reason", reason),
            ("@approve", approve), ("@until", now + (long)window.TotalMilliseconds), ("@id", id));
        if (updated == 0)
        {
            return null;
        }

        if (!approve)
        {
            SpendBook.Release(connection, id);
        }

        var record = connection.ReadFirst($"SELECT {Columns} FROM approval WHERE id = @id", ReadRecord, ("@id", id))!;
        var decisionId = $"dec_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var arguments = new System.Text.Json.Nodes.JsonObject
        {
            ["approval_id"] = id, ["decision"] = approve ? "approve" : "deny", ["by"] = by, ["reason"] = reason,
        }.ToJsonString();
        connection.Exec(
            "INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, code, message, amount, currency, arguments, duration_ms) " +
            "VALUES (@decisionId, @now, @agent, @role, @tool, @outcome, @code, @message, NULL, @currency, @arguments, 0)",
            ("@decisionId", decisionId), ("@now", now), ("@agent", record.Agent), ("@role", record.Role), ("@tool", record.Tool),
            ("@outcome", approve ? AuditOutcomes.Allowed : AuditOutcomes.Denied), ("@code", approve ? null : "not_allowed"),
            ("@message", $"approval {id} for {record.Amount} {(approve ? "approved" : "denied")} by {by}" + (reason is null ? "" : $": {reason}")),
            ("@currency", record.Amount.Currency.Code), ("@arguments", arguments));
        AuditChainStore.Append(connection, decisionId, now);
        await tx.CommitAsync(ct);
        return record;
    }

    /// <summary>Approvals, newest last; pending (and approved, unused) only unless <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListAsync(bool all, CancellationToken ct)
    {
        await ExpireAsync(ct);
        await using var connection = await database.OpenAsync(ct);
        return connection.ReadAll(
            $"SELECT {Columns} FROM approval WHERE @all OR status IN ('pending', 'approved') ORDER BY created_at_ms", ReadRecord, ("@all", all));
    }

    /// <summary>Pending or approved-but-unused approvals past their time expire, and their holds are released.</summary>
    public async Task ExpireAsync(CancellationToken ct)
    {
        var now = NowMs;
        await using var connection = await database.OpenAsync(ct);
        var stale = connection.ExecInt64(
            "SELECT COUNT(*) FROM approval WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", ("@now", now));
        if (stale == 0)
        {
            return;
        }

        using var writing = await database.LockWritesAsync(ct);

        await using var tx = await SqliteLedger.BeginImmediateAsync(connection, ct);
        var expired = connection.ReadAll(
            "SELECT id FROM approval WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", r => r.GetString(0), ("@now", now));
        foreach (var id in expired)
        {
            SpendBook.Release(connection, id);
        }

        connection.Exec("UPDATE approval SET status = 'expired' WHERE status IN ('pending', 'approved') AND expires_at_ms < @now", ("@now", now));
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

    /// <summary>Reads a row selected with <see cref="Columns"/>, by position.</summary>
    private static ApprovalRecord ReadRecord(SqliteRow r) => new()
    {
        Id = r.GetString(0), Agent = r.GetString(1), Role = r.GetString(2), Tool = r.GetString(3), Fingerprint = r.GetString(4),
        Arguments = r.GetString(5), Amount = new MoneyAmount(r.GetInt64(6), Currency.Get(r.GetString(7))), Status = r.GetString(8),
        Created = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)), Expires = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
        Decided = r.NullableInt64(11) is { } decided ? DateTimeOffset.FromUnixTimeMilliseconds(decided) : null,
        DecidedBy = r.NullableString(12), Reason = r.NullableString(13), UsedByCall = r.NullableString(14),
    };
}
