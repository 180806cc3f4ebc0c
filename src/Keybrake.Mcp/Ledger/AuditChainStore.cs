using System.Runtime.CompilerServices;
using Keybrake.Mcp.Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>The <c>audit_chain</c> table's SQL. Callers hold the write lock (BEGIN IMMEDIATE) when appending, so the chain cannot fork.</summary>
internal static class AuditChainStore
{
    private const string EventColumns =
        "seq, call_id, at_ms, content, prev_hash, hash";

    // The tip as the writer's open transaction left it: it appends several rows per transaction, and reading the tip
    // back before each was a third of a refusal's write. Kept only on a connection that tracks it (see TrackTip).
    private static readonly ConditionalWeakTable<SqliteConnection, StrongBox<Tip?>> Tips = new();

    /// <summary>
    /// Remembers the chain's tip on this connection from now until the next call: for the transaction it has just begun,
    /// which holds the write lock, so nobody else can move the tip meanwhile. Every append on it must go through here.
    /// </summary>
    public static void TrackTip(SqliteConnection connection) => Tips.AddOrUpdate(connection, new StrongBox<Tip?>());

    /// <summary>Seals the audit row of <paramref name="callId"/> as it is now, in the caller's transaction.</summary>
    /// <param name="hashOnRow">
    /// False only while sealing rows older than the chain, before the audit table had its later columns (the upgrade that
    /// adds the hash column fills it).
    /// </param>
    public static void Append(SqliteConnection connection, string callId, long atMs, bool hashOnRow = true)
    {
        var columns = hashOnRow ? AuditRow.Columns : AuditRow.ColumnsAtChainStart;
        var row = connection.ReadFirst($"SELECT {columns} FROM audit WHERE call_id = @callId", AuditRow.Read, ("@callId", callId))
            ?? throw new InvalidOperationException($"audit row {callId} is missing");
        Append(connection, row.ToRecord(), atMs, hashOnRow);
    }

    /// <summary>Seals a row from the values just written to it (with its id), without reading it back.</summary>
    public static void Append(SqliteConnection connection, AuditRecord written, long atMs, bool hashOnRow = true)
    {
        var content = AuditChainContent.Of(written);
        var tracked = Tips.TryGetValue(connection, out var box) ? box : null;
        var (nextId, seq, prevHash) = tracked?.Value ?? ReadTip(connection);
        var hash = Link(connection, seq, prevHash, written.CallId, atMs, content);
        tracked?.Value = new Tip(nextId, seq + 1, hash);
        if (hashOnRow)
        {
            // The row carries its latest hash (audit --json shows it); its page is already written by this transaction.
            connection.Exec("UPDATE audit SET hash = @hash WHERE id = @id", ("@hash", hash), ("@id", written.Id));
        }
    }

    /// <summary>
    /// Writes a new audit row already sealed: its id and the chain's tip are read first, so <paramref name="insert"/>
    /// writes the row with its id and hash at once (no update after it).
    /// </summary>
    /// <param name="insert">Inserts the row with this id and hash.</param>
    public static void AppendNew(SqliteConnection connection, PreparedContent prepared, string callId, long atMs, Action<long, string> insert)
    {
        var tracked = Tips.TryGetValue(connection, out var box) ? box : null;
        var tip = tracked?.Value ?? ReadTip(connection);
        var content = prepared.WithId(tip.NextId);
        var hash = AuditChainContent.Hash(tip.Hash, content);
        insert(tip.NextId, hash);
        Link(connection, tip.Seq, tip.Hash, callId, atMs, content, hash);
        tracked?.Value = new Tip(tip.NextId + 1, tip.Seq + 1, hash);
    }

    // The row's id as AUTOINCREMENT would give it (one more than any ever used), and the newest event, in one read.
    // Only the chain's end is read: appending costs the same on a chain of any length.
    private static Tip ReadTip(SqliteConnection connection) => connection.ReadFirst(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0), coalesce((SELECT max(id) FROM audit), 0)), " +
        "last.seq, last.hash " +
        "FROM (SELECT 1) LEFT JOIN (SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS last",
        r => new Tip(r.GetInt64(0) + 1, r.IsDBNull(1) ? 0 : r.GetInt64(1), r.IsDBNull(2) ? AuditChainContent.Genesis : r.GetString(2)))!;

    private static string Link(SqliteConnection connection, long lastSeq, string prevHash, string callId, long atMs, string content,
        string? hash = null)
    {
        hash ??= AuditChainContent.Hash(prevHash, content);
        connection.Exec(
            "INSERT INTO audit_chain (seq, call_id, at_ms, content, prev_hash, hash) VALUES (@seq, @callId, @atMs, @content, @prevHash, @hash)",
            ("@seq", lastSeq + 1), ("@callId", callId), ("@atMs", atMs), ("@content", content), ("@prevHash", prevHash), ("@hash", hash));
        return hash;
    }

    /// <summary>Every event, in chain order, streamed.</summary>
    public static IEnumerable<AuditChainEvent> Read(SqliteConnection connection) =>
        connection.Stream($"SELECT {EventColumns} FROM audit_chain ORDER BY seq",
            r => new AuditChainEvent(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5)));

    /// <summary>Seals rows written before the chain existed, oldest first, so an upgraded ledger verifies.</summary>
    /// <remarks>Runs in the connection's open (migration) transaction.</remarks>
    public static void Backfill(SqliteConnection connection, long atMs)
    {
        var callIds = connection.ReadAll("SELECT call_id FROM audit ORDER BY id", r => r.GetString(0));
        foreach (var callId in callIds)
        {
            Append(connection, callId, atMs, hashOnRow: false);
        }
    }

    private sealed record Tip(long NextId, long Seq, string Hash);
}
