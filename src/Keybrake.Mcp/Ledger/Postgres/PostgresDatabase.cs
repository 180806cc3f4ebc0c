using System.Data;
using System.Runtime.CompilerServices;
using Dapper;
using Npgsql;

namespace Keybrake.Mcp.Ledger.Postgres;

/// <summary>
/// The ledger in one PostgreSQL database, shared by any number of server instances on any hosts and by the CLI. Writes
/// are READ COMMITTED transactions that lock what they decide on with advisory locks (<see cref="PostgresDialect"/>);
/// one that meets a deadlock or a serialization failure is run again from the start.
/// </summary>
public sealed class PostgresDatabase : ILedgerDatabase
{
    private const int Attempts = 3;

    private readonly NpgsqlDataSource _source;
    private long _lastWriteMs = Environment.TickCount64;

    public PostgresDatabase(LedgerLocation.PostgresUrl location)
    {
        Name = location.Name;
        // The slim builder: the types the ledger uses (text, bigint, integer, boolean) and nothing that needs reflection.
        _source = new NpgsqlSlimDataSourceBuilder(PostgresConnectionString.From(location.Url)).Build();
    }

    public string Name { get; }

    public LedgerDialect Dialect => PostgresDialect.Instance;

    public long LastWriteMs => Volatile.Read(ref _lastWriteMs);

    // Npgsql's pool closes idle connections itself (after Connection Idle Lifetime).
    public void ReleaseIdleConnections()
    {
    }

    public async Task<T> ReadAsync<T>(Func<LedgerSession, Task<T>> read, CancellationToken ct, bool snapshot = false)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(ct);
            if (!snapshot)
            {
                return await read(new LedgerSession(connection, null, Dialect));
            }

            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var result = await read(new LedgerSession(connection, tx, Dialect));
            await tx.CommitAsync(ct);
            return result;
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    public async IAsyncEnumerable<T> StreamAsync<T>(Func<LedgerSession, IAsyncEnumerable<T>> rows, [EnumeratorCancellation] CancellationToken ct)
    {
        NpgsqlConnection connection;
        NpgsqlTransaction tx;
        try
        {
            connection = await _source.OpenConnectionAsync(ct);
            tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
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

    public async Task<T> WriteAsync<T>(Func<LedgerSession, Task<T>> write, CancellationToken ct, bool housekeeping = false)
    {
        if (!housekeeping)
        {
            Volatile.Write(ref _lastWriteMs, Environment.TickCount64);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                var result = await write(new LedgerSession(connection, tx, Dialect));
                await tx.CommitAsync(ct);
                return result;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < Attempts)
            {
                // Rolled back whole: nothing of it happened, so running it again is safe.
            }
            catch (Exception ex) when (IsDatabaseFailure(ex))
            {
                throw Unavailable(ex);
            }
        }
    }

    /// <summary>Creates the schema or brings it up to date, under a lock, so that of several instances starting at once one migrates.</summary>
    public async Task<SchemaMigration> MigrateAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var session = new LedgerSession(connection, tx, Dialect);
            await Dialect.LockAsync(session, ["schema"], ct);
            await connection.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {PostgresSchema.VersionTable} (version INTEGER NOT NULL)", transaction: tx);
            var version = await connection.ExecuteScalarAsync<int?>($"SELECT MAX(version) FROM {PostgresSchema.VersionTable}", transaction: tx) ?? 0;
            if (version > PostgresSchema.Migrations.Length)
            {
                throw new LedgerUnavailableException(
                    $"the ledger {Name} has schema version {version}, newer than this keybrake-mcp knows ({PostgresSchema.Migrations.Length}): upgrade keybrake-mcp");
            }

            for (var next = version; next < PostgresSchema.Migrations.Length; next++)
            {
                await connection.ExecuteAsync(PostgresSchema.Migrations[next], transaction: tx);
            }

            await connection.ExecuteAsync($"DELETE FROM {PostgresSchema.VersionTable}", transaction: tx);
            await connection.ExecuteAsync($"INSERT INTO {PostgresSchema.VersionTable} (version) VALUES (@version)",
                new { version = PostgresSchema.Migrations.Length }, tx);
            await tx.CommitAsync(ct);
            return new SchemaMigration(version, PostgresSchema.Migrations.Length);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    public void Dispose() => _source.Dispose();

    // ObjectDisposedException: the data source closing at shutdown, under calls still in flight.
    private static bool IsDatabaseFailure(Exception ex) =>
        ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException;

    private LedgerUnavailableException Unavailable(Exception ex) =>
        // Npgsql's messages name the host and the database, never the password.
        new($"the ledger {Name} is unavailable: {ex.Message}", ex);
}
