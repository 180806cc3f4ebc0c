using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>
/// Open connections for the ledger's reads, set up once (PRAGMAs, prepared statements) and reused: the per-call
/// lookups (revocation, retry, unknown outcomes, budget room) then cost a statement each, not a connection open
/// and a statement's preparation.
/// </summary>
internal sealed class ReaderPool(Func<SqliteConnection> open, int keep) : IDisposable
{
    // A stack: the most recently used connection, with the warmest cache, goes out first. Its count is kept apart
    // because counting a concurrent collection walks it.
    private readonly ConcurrentStack<SqliteConnection> _idle = new();
    private int _idleCount;
    private int _generation;
    private bool _disposed;

    /// <summary>Runs <paramref name="read"/> on a pooled connection.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read)
    {
        var generation = Volatile.Read(ref _generation);
        var connection = Rent();
        try
        {
            var result = await read(connection);
            Return(connection, generation);
            return result;
        }
        catch
        {
            // A failed read may leave the connection mid-statement or on a broken file: do not reuse it.
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connections open and waiting for a read.</summary>
    public int IdleCount => Volatile.Read(ref _idleCount);

    /// <summary>Closes every idle connection: the next reads open fresh ones (after the file moved, for one).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        while (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
        }
    }

    // No moved-file check per read: every call writes before it reaches Stripe, and the writer checks the file before
    // each transaction and clears this pool when it moved.
    private SqliteConnection Rent()
    {
        if (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }

        return open();
    }

    private void Return(SqliteConnection connection, int generation)
    {
        if (_disposed || generation != Volatile.Read(ref _generation) || Volatile.Read(ref _idleCount) >= keep)
        {
            connection.Dispose();
            return;
        }

        Interlocked.Increment(ref _idleCount);
        _idle.Push(connection);
    }

    public void Dispose()
    {
        _disposed = true;
        Clear();
    }
}
