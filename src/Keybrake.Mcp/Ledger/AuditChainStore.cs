using System.Data.Common;
using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>The <c>audit_chain</c> table's SQL. Callers hold the write lock (BEGIN IMMEDIATE) when appending, so the chain cannot fork.</summary>
internal static class AuditChainStore
{
    private const string EventColumns =
        "seq AS Seq, call_id AS CallId, at_ms AS AtMs, content AS Content, prev_hash AS PrevHash, hash AS Hash";

    /// <summary>Seals the audit row of <paramref name="callId"/> as it is now, in the caller's transaction.</summary>
    public static async Task AppendAsync(DbConnection connection, DbTransaction tx, string callId, long atMs, CancellationToken ct)
    {
        var row = await connection.QuerySingleAsync<AuditRow>(new CommandDefinition(
            $"SELECT {AuditRow.Columns} FROM audit WHERE call_id = @callId", new { callId }, tx, cancellationToken: ct));
        var content = AuditChainContent.Of(row.ToRecord());
        // Only the newest event is read: appending costs the same on a chain of any length.
        var last = await connection.QueryFirstOrDefaultAsync<LastEvent>(new CommandDefinition(
            "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1", transaction: tx, cancellationToken: ct));
        var prevHash = last?.Hash ?? AuditChainContent.Genesis;
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_chain (seq, call_id, at_ms, content, prev_hash, hash) VALUES (@seq, @callId, @atMs, @content, @prevHash, @hash)",
            new { seq = (last?.Seq ?? 0) + 1, callId, atMs, content, prevHash, hash = AuditChainContent.Hash(prevHash, content) },
            tx, cancellationToken: ct));
    }

    /// <summary>Every event, in chain order, streamed.</summary>
    public static IAsyncEnumerable<AuditChainEvent> ReadAsync(DbConnection connection, DbTransaction? tx) =>
        connection.QueryUnbufferedAsync<AuditChainEvent>($"SELECT {EventColumns} FROM audit_chain ORDER BY seq", transaction: tx);

    /// <summary>Seals rows written before the chain existed, oldest first, so an upgraded ledger verifies.</summary>
    public static async Task BackfillAsync(DbConnection connection, DbTransaction tx, long atMs, CancellationToken ct)
    {
        var callIds = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT call_id FROM audit ORDER BY id", transaction: tx, cancellationToken: ct));
        foreach (var callId in callIds)
        {
            await AppendAsync(connection, tx, callId, atMs, ct);
        }
    }

    private sealed record LastEvent(long Seq, string Hash);
}
