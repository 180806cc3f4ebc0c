using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// What an insider with write access to a SQLite ledger can do with plain SQL (as with the <c>sqlite3</c> shell), hashing
/// exactly as the ledger does: cut the chain's end, or change a record and re-hash every later event, so that plain
/// <c>audit verify</c> finds nothing.
/// </summary>
public static class ChainTampering
{
    /// <summary>Removes a call's audit row and all its events: the call was the chain's last, so what remains still links.</summary>
    public static async Task CutLastCallAsync(string database, string callId)
    {
        await using var connection = await RawSql.OpenAsync(database);
        await connection.ExecuteAsync($"DELETE FROM audit_chain WHERE call_id = '{callId}'; DELETE FROM audit WHERE call_id = '{callId}';");
    }

    /// <summary>
    /// Sets one field of a call's audit row and of its latest event, then re-hashes the chain from that event on and puts
    /// each row's new latest hash back on it.
    /// </summary>
    public static async Task RewriteAsync(string database, string callId, string field, long value)
    {
        await using var connection = await RawSql.OpenAsync(database);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var events = await EventsAsync(connection, tx);
        var at = events.FindLastIndex(e => e.CallId == callId);
        var content = JsonNode.Parse(events[at].Content)!.AsObject();
        content[field] = value;
        events[at] = events[at] with { Content = AuditChainContent.Canonicalize(content) };
        await ExecuteAsync(connection, tx, $"UPDATE audit SET {field} = {value} WHERE call_id = '{callId}'");
        await RehashFromAsync(connection, tx, events, at);
        await tx.CommitAsync();
    }

    /// <summary>Swaps two events' places (by their seq) and re-hashes the chain from the first of them on.</summary>
    public static async Task SwapAndRehashAsync(string database, long seqA, long seqB)
    {
        await using var connection = await RawSql.OpenAsync(database);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var events = await EventsAsync(connection, tx);
        int a = (int)seqA - 1, b = (int)seqB - 1;
        (events[a], events[b]) = (events[b] with { Seq = events[a].Seq }, events[a] with { Seq = events[b].Seq });
        await RehashFromAsync(connection, tx, events, Math.Min(a, b));
        await tx.CommitAsync();
    }

    private static async Task RehashFromAsync(SqliteConnection connection, SqliteTransaction tx, List<AuditChainEvent> events, int from)
    {
        var prev = from == 0 ? AuditChainContent.Genesis : events[from - 1].Hash;
        for (var i = from; i < events.Count; i++)
        {
            var e = events[i] with { PrevHash = prev, Hash = AuditChainContent.Hash(prev, events[i].Content) };
            events[i] = e;
            prev = e.Hash;
            await using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE audit_chain SET call_id = $call, content = $content, prev_hash = $prev, hash = $hash WHERE seq = $seq";
            update.Parameters.AddWithValue("$call", e.CallId);
            update.Parameters.AddWithValue("$content", e.Content);
            update.Parameters.AddWithValue("$prev", e.PrevHash);
            update.Parameters.AddWithValue("$hash", e.Hash);
            update.Parameters.AddWithValue("$seq", e.Seq);
            await update.ExecuteNonQueryAsync();
        }

        foreach (var latest in events.GroupBy(e => e.CallId).Select(g => g.Last()))
        {
            await ExecuteAsync(connection, tx, $"UPDATE audit SET hash = '{latest.Hash}' WHERE call_id = '{latest.CallId}'");
        }
    }

    private static async Task<List<AuditChainEvent>> EventsAsync(SqliteConnection connection, SqliteTransaction tx)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT seq, call_id, at_ms, content, prev_hash, hash FROM audit_chain ORDER BY seq";
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<AuditChainEvent>();
        while (await reader.ReadAsync())
        {
            events.Add(new AuditChainEvent(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return events;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
