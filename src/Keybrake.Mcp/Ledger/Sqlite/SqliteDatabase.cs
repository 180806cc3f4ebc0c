using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>
/// The ledger in one SQLite file, shared by every process on the machine: brings its schema up to date (WAL, busy
/// timeout, migrations) and runs the ledger's reads on kept connections and its writes through one group-committing writer.
/// </summary>
public sealed class SqliteDatabase : ILedgerDatabase
{
    // Reads run one statement after another without waiting on I/O, so no more run at once than the thread pool has
    // threads: keep that many open rather than open and prepare anew under load. Each keeps a small page cache: SQLite
    // empties a reader's cache whenever another connection committed since its last read, which under load is before
    // nearly every read, so a large one only grew memory (the OS caches the file anyway). 64 KB, and 512 KB for the
    // writer, whose hot pages (the ends of the audit indexes, the usage buckets) stay valid: the default 2 MB and 256 KB
    // grew a server by ~2 MB more (bench 'memory').
    private const int KeptReaders = 16;
    private const string ReaderPragmas = "PRAGMA cache_size = -64;";
    private const string WriterPragmas = "PRAGMA cache_size = -512;";

    private readonly string _keptConnectionString;
    private readonly string _createConnectionString;
    private readonly ReaderPool _readers;
    private readonly GroupCommitWriter _writer;

    // One writer at a time per file inside a process: SQLite would serialize them anyway, but by sleeping in its busy
    // handler; waiting here instead keeps many concurrent callers fast. Other processes still meet the file lock.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

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
        var writeGate = WriteGates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
        _pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {(fullSync ? "FULL" : "NORMAL")};";
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            // After initialization the file must exist: a ledger deleted under a running server is an error, not a fresh start.
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            // Kept connections are this class's own pool (the readers, the writer), each with its prepared statements.
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds),
        };
        _keptConnectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
        _readers = new ReaderPool(() => Open(ReaderPragmas), KeptReaders);
        // A WAL that grew while a long reader held it back is cut back to 64 MB once it rewinds.
        _writer = new GroupCommitWriter(Path, () => Open(WriterPragmas + "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;"), writeGate, BusyTimeout,
            () => _readers.ReadAsync(c => Task.FromResult(SqliteControl.Exec(c, "PRAGMA wal_checkpoint(PASSIVE);"))).GetAwaiter().GetResult(),
            _readers.Clear, Begun, Committed, checkpointWait ?? GroupCommitWriter.DefaultCheckpointWait);
    }

    // The chain's tip as this process's last commit left it, with the file's data version then: while no other connection
    // (another process, the CLI) has committed since, the next write transaction starts from it instead of reading the
    // chain's end again. PRAGMA data_version changes exactly when another connection commits.
    private (SqliteConnection? Connection, long Version, object? Tip) _lastCommit;
    private long _begunVersion;

    private void Begun(SqliteConnection connection)
    {
        _begunVersion = SqliteControl.ScalarKept(connection, "PRAGMA data_version;");
        var last = _lastCommit;
        AuditChainStore.TrackTip(connection, ReferenceEquals(last.Connection, connection) && last.Version == _begunVersion ? last.Tip : null);
    }

    private void Committed(SqliteConnection connection) => _lastCommit = (connection, _begunVersion, AuditChainStore.TrackedTip(connection));

    /// <summary>Absolute path of the database file.</summary>
    public string Path { get; }

    public string Name => Path;

    public LedgerDialect Dialect => SqliteDialect.Instance;

    /// <summary>How long a write waits for another process's lock before the ledger reports itself unavailable.</summary>
    public TimeSpan BusyTimeout { get; }

    public async Task<T> ReadAsync<T>(Func<LedgerSession, Task<T>> read, CancellationToken ct, bool snapshot = false)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            if (!snapshot)
            {
                return await _readers.ReadAsync(c => read(new LedgerSession(c, null, Dialect)));
            }

            // A deferred transaction on a connection of its own: every statement reads the state of its first read.
            await using var connection = Open(ReaderPragmas);
            await using var tx = connection.BeginTransaction(deferred: true);
            return await read(new LedgerSession(connection, tx, Dialect));
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    public async IAsyncEnumerable<T> StreamAsync<T>(Func<LedgerSession, IAsyncEnumerable<T>> rows, [EnumeratorCancellation] CancellationToken ct)
    {
        SqliteConnection connection;
        SqliteTransaction tx;
        try
        {
            connection = Open(ReaderPragmas);
            tx = connection.BeginTransaction(deferred: true);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }

        await using (connection)
        await using (tx)
        {
            await foreach (var row in rows(new LedgerSession(connection, tx, Dialect)).WithCancellation(ct))
            {
                yield return row;
            }
        }
    }

    /// <summary>
    /// Runs a write in the next group commit, inside <c>BEGIN IMMEDIATE</c> (its statements take no transaction object);
    /// durable when the task completes.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<LedgerSession, Task<T>> write, CancellationToken ct, bool housekeeping = false)
    {
        if (!housekeeping)
        {
            Volatile.Write(ref _lastWriteMs, Environment.TickCount64);
        }

        try
        {
            return await _writer.WriteAsync(c => write(new LedgerSession(c, null, Dialect)), ct);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>When this process last wrote to the ledger (every governed call writes), as <see cref="Environment.TickCount64"/>.</summary>
    public long LastWriteMs => Volatile.Read(ref _lastWriteMs);

    /// <summary>Connections kept open for reads, idle now.</summary>
    internal int IdleReaders => _readers.IdleCount;

    /// <summary>Closes the connections kept for reads (and their page caches); the next reads open new ones.</summary>
    public void ReleaseIdleConnections() => _readers.Clear();

    private SqliteConnection Open(string extraPragmas)
    {
        if (!File.Exists(Path))
        {
            throw new IOException($"the ledger file {Path} is missing");
        }

        var connection = new SqliteConnection(_keptConnectionString);
        try
        {
            connection.Open();
            SqliteControl.Exec(connection, _pragmas + extraPragmas);
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

    /// <summary>Creates the file and its folder if needed, switches to WAL and applies migrations. Safe to run from several processes.</summary>
    public async Task<SchemaMigration> MigrateAsync(CancellationToken ct)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            await using var connection = new SqliteConnection(_createConnectionString);
            await connection.OpenAsync(ct);
            SqliteControl.Exec(connection, _pragmas);
            // WAL lets readers (the CLI, other servers) proceed while one process writes.
            SqliteControl.Exec(connection, "PRAGMA journal_mode = WAL;");
            // BEGIN IMMEDIATE: of several processes starting at once, one migrates and the others then find it done.
            await using var tx = connection.BeginTransaction(deferred: false);
            var version = Convert.ToInt32(SqliteControl.Exec(connection, "PRAGMA user_version;", tx), System.Globalization.CultureInfo.InvariantCulture);
            for (var next = version; next < SqliteSchema.Migrations.Length; next++)
            {
                SqliteControl.Exec(connection, SqliteSchema.Migrations[next], tx);
                if (next == SqliteSchema.AuditChainMigration)
                {
                    await AuditChainStore.BackfillAsync(new LedgerSession(connection, tx, Dialect), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }

                SqliteControl.Exec(connection, $"PRAGMA user_version = {next + 1};", tx);
            }

            await tx.CommitAsync(ct);
            return new SchemaMigration(version, SqliteSchema.Migrations.Length);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    // ObjectDisposedException: the ledger closing at shutdown, under calls still in flight, is as unavailable as a broken one.
    private static bool IsDatabaseFailure(Exception ex) =>
        ex is SqliteException or IOException or UnauthorizedAccessException or TimeoutException or ObjectDisposedException;

    private LedgerUnavailableException Unavailable(Exception ex) =>
        ex as LedgerUnavailableException ?? new LedgerUnavailableException($"the ledger {Path} is unavailable: {ex.Message}", ex);
}
