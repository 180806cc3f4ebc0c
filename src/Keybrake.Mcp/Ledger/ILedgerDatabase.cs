namespace Keybrake.Mcp.Ledger;

/// <summary>
/// A ledger's database, SQLite or PostgreSQL: it creates and migrates its schema, and runs the ledger's reads and its
/// atomic writes. Every failure of the database itself surfaces as <see cref="LedgerUnavailableException"/>.
/// </summary>
public interface ILedgerDatabase : IDisposable
{
    /// <summary>The ledger as messages name it: a file's path, or a URL without its password.</summary>
    string Name { get; }

    LedgerDialect Dialect { get; }

    /// <summary>Creates the schema or brings it up to date; safe to run from several processes at once.</summary>
    Task<SchemaMigration> MigrateAsync(CancellationToken ct);

    /// <summary>Runs a read. With <paramref name="snapshot"/>, its statements all see one consistent state of the ledger.</summary>
    Task<T> ReadAsync<T>(Func<LedgerSession, Task<T>> read, CancellationToken ct, bool snapshot = false);

    /// <summary>Streams rows on a connection of their own, one consistent state of the ledger, as the caller asks for them.</summary>
    IAsyncEnumerable<T> StreamAsync<T>(Func<LedgerSession, IAsyncEnumerable<T>> rows, CancellationToken ct);

    /// <summary>
    /// Runs a write as one transaction, durable when the task completes: all of it or nothing. A write that locks names
    /// (<see cref="LedgerDialect.LockAsync"/>) waits for other writes holding them, in any process on any host.
    /// </summary>
    /// <param name="housekeeping">A write of the server's own (a lease renewal), not of a call: it does not count as activity (<see cref="LastWriteMs"/>).</param>
    Task<T> WriteAsync<T>(Func<LedgerSession, Task<T>> write, CancellationToken ct, bool housekeeping = false);

    /// <summary>When this process last wrote to the ledger for a call, as <see cref="Environment.TickCount64"/>.</summary>
    long LastWriteMs { get; }

    /// <summary>Closes the connections kept for reads; the next reads open new ones.</summary>
    void ReleaseIdleConnections();
}

/// <summary>A schema brought from one version to another (the same when it was up to date).</summary>
public sealed record SchemaMigration(int From, int To);
