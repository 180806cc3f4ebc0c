using Keybrake.Mcp.Ledger.Postgres;
using Keybrake.Mcp.Ledger.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How a process wants its ledger: the one place a <c>--db</c> value becomes a database.</summary>
public sealed record LedgerOptions
{
    /// <summary>SQLite: <c>synchronous = FULL</c>, an fsync per commit (operator commands; servers when asked to).</summary>
    public bool FullSync { get; init; }
}

/// <summary>Opens the ledger a <c>--db</c> value names: a SQLite file, or a PostgreSQL database.</summary>
public static class LedgerDatabases
{
    public static ILedgerDatabase Open(LedgerLocation location, LedgerOptions? options = null) => location switch
    {
        LedgerLocation.SqliteFile file => new SqliteDatabase(file.Path, fullSync: options?.FullSync ?? false),
        LedgerLocation.PostgresUrl url => new PostgresDatabase(url),
        _ => throw new ArgumentOutOfRangeException(nameof(location)),
    };

    /// <summary>Opens and migrates: the schema is created on first use.</summary>
    public static async Task<ILedgerDatabase> OpenMigratedAsync(LedgerLocation location, LedgerOptions? options, CancellationToken ct)
    {
        var database = Open(location, options);
        try
        {
            await database.MigrateAsync(ct);
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }
}
