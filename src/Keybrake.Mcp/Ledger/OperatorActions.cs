using System.Security.Cryptography;
using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>One thing an operator did in the console: who, what, on what, and the details (a reason, an amount).</summary>
public sealed record OperatorAction(string Id, DateTimeOffset Time, string Operator, string Action, string? Target, string? Detail);

/// <summary>
/// The operators' own audit log: every console action with the operator's name. Decisions on approvals are in the call
/// audit log too (with the same name as <c>decided_by</c>); this one also holds revocations, sign-ins and sign-outs.
/// </summary>
public sealed class OperatorActions(ILedgerDatabase database, TimeProvider time)
{
    // Bounded like the audit log's arguments: a reason typed into a form is not a place to store a novel.
    private const int MaxDetail = 1024;

    public async Task<OperatorAction> RecordAsync(string who, string action, string? target, string? detail, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var id = $"opa_{now.ToUnixTimeMilliseconds():x11}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        detail = detail is { Length: > MaxDetail } ? detail[..MaxDetail] + "…" : detail;
        await database.WriteAsync(s => s.Connection.ExecuteAsync(
            "INSERT INTO operator_action (id, at_ms, operator, action, target, detail) VALUES (@id, @at, @who, @action, @target, @detail)",
            new { id, at = now.ToUnixTimeMilliseconds(), who, action, target, detail }, s.Transaction), ct);
        return new OperatorAction(id, now, who, action, target, detail);
    }

    /// <summary>The latest actions, newest first.</summary>
    public Task<IReadOnlyList<OperatorAction>> ReadLatestAsync(int limit, CancellationToken ct) =>
        database.ReadAsync<IReadOnlyList<OperatorAction>>(async s =>
            (await s.Connection.QueryAsync<OperatorActionRow>(
                "SELECT id, at_ms, operator, action, target, detail FROM operator_action ORDER BY at_ms DESC, id DESC LIMIT @limit", new { limit }, s.Transaction))
            .Select(r => new OperatorAction(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.AtMs), r.Operator, r.Action, r.Target, r.Detail)).ToArray(), ct);
}

/// <summary>An <c>operator_action</c> row.</summary>
internal sealed record OperatorActionRow(string Id, long AtMs, string Operator, string Action, string? Target, string? Detail);
