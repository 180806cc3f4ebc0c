using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The <c>audit_chain</c> table's SQL. Every append first locks the chain (<see cref="LedgerDialect.AuditChain"/>) and
/// reads its tip in that same transaction, so the chain cannot fork, whichever process or host appends.
/// </summary>
internal static class AuditChainStore
{
    // The tip as a writer's open transaction left it: the SQLite writer appends several rows per transaction, and
    // reading the tip back before each was a third of a refusal's write. Kept only on a connection that tracks it.
    private static readonly ConditionalWeakTable<DbConnection, StrongBox<Tip?>> Tips = new();

    /// <summary>
    /// Remembers the chain's tip on this connection from now until the next call: for the transaction it has just begun,
    /// which holds the only write lock, so nobody else can move the tip meanwhile. Every append on it must go through here.
    /// </summary>
    /// <param name="known">The tip as a transaction that committed on this connection left it (see <see cref="TrackedTip"/>), when the
    /// caller knows nobody has appended since; null reads it from the chain at the first append.</param>
    public static void TrackTip(DbConnection connection, object? known = null) => Tips.AddOrUpdate(connection, new StrongBox<Tip?>(known as Tip));

    /// <summary>The tip this connection's transaction has tracked so far (null if it appended nothing and was given none).</summary>
    public static object? TrackedTip(DbConnection connection) => Tips.TryGetValue(connection, out var box) ? box.Value : null;

    /// <summary>Seals the audit row of <paramref name="callId"/> as it is now, in the caller's transaction.</summary>
    /// <param name="hashOnRow">
    /// False only while sealing rows older than the chain, before the audit table had its later columns (the upgrade that
    /// adds the hash column fills it).
    /// </param>
    public static async Task AppendAsync(LedgerSession s, string callId, long atMs, bool hashOnRow = true)
    {
        var row = (hashOnRow
            ? await s.Connection.QueryFirstOrDefaultAsync<AuditRow>($"SELECT {AuditRow.Columns} FROM audit WHERE call_id = @callId", new { callId }, s.Transaction)
            : await s.Connection.QueryFirstOrDefaultAsync<AuditRow>($"SELECT {AuditRow.ColumnsAtChainStart} FROM audit WHERE call_id = @callId", new { callId }, s.Transaction))
            ?? throw new InvalidOperationException($"audit row {callId} is missing");
        await AppendAsync(s, row.ToRecord(), atMs, hashOnRow);
    }

    /// <summary>Seals a row from the values just written to it (with its id), without reading it back.</summary>
    public static async Task AppendAsync(LedgerSession s, AuditRecord written, long atMs, bool hashOnRow = true)
    {
        var content = AuditChainContent.Of(written);
        var tracked = Tips.TryGetValue(s.Connection, out var box) ? box : null;
        var tip = tracked?.Value ?? await ReadTipAsync(s);
        var hash = AuditChainContent.Hash(tip.Hash, content);
        await LinkAsync(s, tip.Seq + 1, tip.Hash, written.CallId, atMs, content, hash);
        tracked?.Value = tip with { Seq = tip.Seq + 1, Hash = hash };
        if (hashOnRow)
        {
            // The row carries its latest hash (audit --json shows it).
            await s.Connection.ExecuteAsync("UPDATE audit SET hash = @hash WHERE id = @id", new { hash, id = written.Id }, s.Transaction);
        }
    }

    /// <summary>
    /// Writes a new audit row already sealed: its id and the chain's tip are read first, so <paramref name="insert"/>
    /// writes the row with its id and hash at once (no update after it).
    /// </summary>
    /// <param name="insert">Inserts the row with this id and hash.</param>
    public static async Task AppendNewAsync(LedgerSession s, PreparedContent prepared, string callId, long atMs, Func<long, string, Task> insert)
    {
        var tracked = Tips.TryGetValue(s.Connection, out var box) ? box : null;
        var tip = tracked?.Value ?? await ReadTipAsync(s);
        var content = prepared.WithId(tip.NextId);
        var hash = AuditChainContent.Hash(tip.Hash, content);
        await insert(tip.NextId, hash);
        await LinkAsync(s, tip.Seq + 1, tip.Hash, callId, atMs, content, hash);
        tracked?.Value = new Tip(tip.NextId + 1, tip.Seq + 1, hash);
    }

    // Locks the chain, then reads the next row id (one more than any used: rows are never deleted) and the newest event.
    // Only the ends of two indexes are read: appending costs the same on a chain of any length.
    private static async Task<Tip> ReadTipAsync(LedgerSession s)
    {
        await s.Dialect.LockAsync(s, [LedgerDialect.AuditChain], CancellationToken.None);
        var row = await s.Connection.QueryFirstAsync<TipRow>(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM audit) AS last_id, c.seq, c.hash " +
            "FROM (SELECT 1 AS one) AS o LEFT JOIN (SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS c ON 1 = 1",
            transaction: s.Transaction);
        return new Tip(row.LastId + 1, row.Seq ?? 0, row.Hash ?? AuditChainContent.Genesis);
    }

    private static Task LinkAsync(LedgerSession s, long seq, string prevHash, string callId, long atMs, string content, string hash) =>
        s.Connection.ExecuteAsync(
            "INSERT INTO audit_chain (seq, call_id, at_ms, content, prev_hash, hash) VALUES (@seq, @callId, @atMs, @content, @prevHash, @hash)",
            new { seq, callId, atMs, content, prevHash, hash }, s.Transaction);

    /// <summary>Every event, in chain order, streamed.</summary>
    public static IAsyncEnumerable<AuditChainEvent> ReadAsync(LedgerSession s) =>
        s.Connection.QueryUnbufferedAsync<AuditChainEvent>("SELECT seq, call_id, at_ms, content, prev_hash, hash FROM audit_chain ORDER BY seq", transaction: s.Transaction);

    /// <summary>The newest event (null for an empty chain): the head a checkpoint signs.</summary>
    public static Task<AuditChainEvent?> ReadHeadAsync(LedgerSession s) =>
        s.Connection.QueryFirstOrDefaultAsync<AuditChainEvent>(
            "SELECT seq, call_id, at_ms, content, prev_hash, hash FROM audit_chain ORDER BY seq DESC LIMIT 1", transaction: s.Transaction);

    /// <summary>The event at <paramref name="seq"/>, or null when the chain has none there.</summary>
    public static Task<AuditChainEvent?> ReadEventAsync(LedgerSession s, long seq) =>
        s.Connection.QueryFirstOrDefaultAsync<AuditChainEvent>(
            "SELECT seq, call_id, at_ms, content, prev_hash, hash FROM audit_chain WHERE seq = @seq", new { seq }, s.Transaction);

    /// <summary>Seals rows written before the chain existed, oldest first, so an upgraded ledger verifies.</summary>
    /// <remarks>Runs in the session's open (migration) transaction.</remarks>
    public static async Task BackfillAsync(LedgerSession s, long atMs)
    {
        var callIds = (await s.Connection.QueryAsync<string>("SELECT call_id FROM audit ORDER BY id", transaction: s.Transaction)).ToArray();
        foreach (var callId in callIds)
        {
            await AppendAsync(s, callId, atMs, hashOnRow: false);
        }
    }

    private sealed record Tip(long NextId, long Seq, string Hash);
}

/// <summary>The chain's tip as one query reads it.</summary>
internal sealed record TipRow(long LastId, long? Seq, string? Hash);
