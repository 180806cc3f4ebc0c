using System.Collections.Concurrent;
using Keybrake.Mcp.Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The ledger file: brings its schema up to date (WAL, busy timeout, migrations) and runs the ledger's reads on kept
/// connections and its writes through one group-committing writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    // Reads are synchronous, so no more run at once than the thread pool has threads: keep that many open rather than
    // open and prepare anew under load. Each keeps a small page cache: SQLite empties a reader's cache whenever another
    // connection committed since its last read, which under load is before nearly every read, so a large one only
    // grew memory (the OS caches the file anyway). 64 KB, and 512 KB for the writer, whose hot pages (the ends of the
    // audit indexes, the usage buckets) stay valid: the default 2 MB and 256 KB grew a server by ~2 MB more (bench 'memory').
    private const int KeptReaders = 16;
    private const string ReaderPragmas = "PRAGMA cache_size = -64;";
    private const string WriterPragmas = "PRAGMA cache_size = -512;";

    private readonly string _connectionString;
    private readonly string _createConnectionString;
    private readonly string _keptConnectionString;
    private readonly ReaderPool _readers;
    private readonly GroupCommitWriter _writer;

    // One writer at a time per file inside a process: SQLite would serialize them anyway, but by sleeping in its busy
    // handler; waiting here instead keeps many concurrent callers fast. Other processes still meet the file lock.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _writeGate;
    private readonly string _pragmas;
    private long _lastWriteMs = Environment.TickCount64;

    /// <param name="fullSync">
    /// <c>synchronous = FULL</c>: every commit survives power loss, at the cost of an fsync per commit. The default,
    /// NORMAL in WAL mode, survives a crash or kill of the process, which is what a server's audit needs.
    /// </param>
    /// <param name="checkpointWait">How long the writer's WAL rewind waits for readers (default 20 ms); tests on a loaded machine wait longer.</param>
    public SqliteDatabase(string path, TimeSpan? busyTimeout = null, bool fullSync = false, TimeSpan? checkpointWait = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(5);
        _writeGate = WriteGates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
        _pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {(fullSync ? "FULL" : "NORMAL")};";
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            // After initialization the file must exist: a ledger deleted under a running server is an error, not a fresh start.
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds),
        };
        _connectionString = builder.ToString();
        builder.Pooling = false;
        _keptConnectionString = builder.ToString();
        builder.Pooling = true;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
        _readers = new ReaderPool(() => OpenKept(ReaderPragmas), KeptReaders);
        // A WAL that grew while a long reader held it back is cut back to 64 MB once it rewinds.
        _writer = new GroupCommitWriter(Path, () => OpenKept(WriterPragmas + "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;"), _writeGate, BusyTimeout,
            () => _readers.Read(c => c.Exec("PRAGMA wal_checkpoint(PASSIVE);")), _readers.Clear, AuditChainStore.TrackTip,
            checkpointWait ?? GroupCommitWriter.DefaultCheckpointWait);
    }

    /// <summary>Absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>How long a write waits for another process's lock before the ledger reports itself unavailable.</summary>
    public TimeSpan BusyTimeout { get; }

    /// <summary>Opens a pooled connection with the per-connection settings applied.</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken ct) => OpenAsync(_connectionString, ct);

    private async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        // A pooled connection keeps writing to a file that was deleted or replaced; check the path still holds the ledger.
        if (connectionString == _connectionString && !File.Exists(Path))
        {
            throw new IOException($"the ledger file {Path} is missing");
        }

        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, null, _pragmas, ct);
        return connection;
    }

    // Plain ADO.NET: several statements in one text (migrations), which a prepared statement does not take.
    private static async Task<object?> ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Runs a read on a kept connection (one statement's cost, not a connection's).</summary>
    internal T Read<T>(Func<SqliteConnection, T> read) => _readers.Read(read);

    /// <summary>
    /// Runs a write in the next group commit, inside <c>BEGIN IMMEDIATE</c> (its statements take no transaction object);
    /// durable when the task completes.
    /// </summary>
    internal Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken ct)
    {
        Volatile.Write(ref _lastWriteMs, Environment.TickCount64);
        return _writer.WriteAsync(write, ct);
    }

    /// <summary>When this process last wrote to the ledger (every governed call writes), as <see cref="Environment.TickCount64"/>.</summary>
    public long LastWriteMs => Volatile.Read(ref _lastWriteMs);

    /// <summary>Connections kept open for reads, idle now.</summary>
    internal int IdleReaders => _readers.IdleCount;

    /// <summary>Closes the connections kept for reads (and their page caches); the next reads open new ones.</summary>
    public void ReleaseIdleReaders() => _readers.Clear();

    private SqliteConnection OpenKept(string extraPragmas)
    {
        if (!File.Exists(Path))
        {
            throw new IOException($"the ledger file {Path} is missing");
        }

        var connection = new SqliteConnection(_keptConnectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas + extraPragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _readers.Dispose();
    }

    /// <summary>Waits for this process's turn to write; dispose the result after the transaction.</summary>
    public async Task<IDisposable> LockWritesAsync(CancellationToken ct)
    {
        if (!await _writeGate.WaitAsync(BusyTimeout, ct))
        {
            throw new TimeoutException($"the ledger {Path} stayed busy for {BusyTimeout.TotalSeconds:0.#} s");
        }

        return new Release(_writeGate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>Creates the file and its folder if needed, switches to WAL and applies migrations. Safe to run from several processes.</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenAsync(_createConnectionString, ct);
        // WAL lets readers (the CLI, other servers) proceed while one process writes.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", ct);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var version = Convert.ToInt64(await ExecuteAsync(connection, tx, "PRAGMA user_version;", ct), System.Globalization.CultureInfo.InvariantCulture);
        for (var next = (int)version; next < LedgerSchema.Migrations.Length; next++)
        {
            await ExecuteAsync(connection, tx, LedgerSchema.Migrations[next], ct);
            if (next == LedgerSchema.AuditChainMigration)
            {
                AuditChainStore.Backfill(connection, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            await ExecuteAsync(connection, tx, $"PRAGMA user_version = {next + 1};", ct);
        }

        await tx.CommitAsync(ct);
    }
}
