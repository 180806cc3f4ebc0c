using Dapper;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>Opens connections to the ledger file and brings its schema up to date (WAL, busy timeout, migrations).</summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly string _createConnectionString;

    public SqliteDatabase(string path, TimeSpan? busyTimeout = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(5);
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
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
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
        await connection.ExecuteAsync($"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;");
        return connection;
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
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var version = await connection.ExecuteScalarAsync<long>("PRAGMA user_version;", transaction: tx);
        for (var next = (int)version; next < LedgerSchema.Migrations.Length; next++)
        {
            await connection.ExecuteAsync(LedgerSchema.Migrations[next], transaction: tx);
            if (next == LedgerSchema.AuditChainMigration)
            {
                await AuditChainStore.BackfillAsync(connection, tx, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ct);
            }

            await connection.ExecuteAsync($"PRAGMA user_version = {next + 1};", transaction: tx);
        }

        await tx.CommitAsync(ct);
    }
}
