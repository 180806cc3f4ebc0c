using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Storage;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Tests.Ledger;

/// <summary>The ledger's prepared statements: bound by position found once, so misuse must fail loudly, and they close with their connection.</summary>
public sealed class PreparedCommandsTests
{
    private const string Insert = "INSERT INTO revocation (scope, revoked_at_ms, reason) VALUES (@scope, @at, @reason)";

    [Fact]
    public async Task A_statement_binds_values_reads_rows_and_refuses_parameters_in_another_order_or_missing()
    {
        using var dir = new TempDirectory();
        using var database = new SqliteDatabase(dir.File("keybrake.db"));
        await database.InitializeAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);

        Assert.Equal(1, connection.Exec(Insert, ("@scope", "agent:a"), ("@at", 5L), ("@reason", "ü \"quoted\"")));
        Assert.Equal(1, connection.Exec(Insert, ("@scope", "agent:b"), ("@at", 7), ("@reason", null)));
        var rows = connection.ReadAll("SELECT scope, revoked_at_ms, reason FROM revocation WHERE revoked_at_ms >= @min ORDER BY scope",
            r => (r.GetString(0), r.GetInt64(1), r.NullableString(2)), ("@min", 0L));
        Assert.Equal([("agent:a", 5L, "ü \"quoted\""), ("agent:b", 7L, null)], rows);
        Assert.Equal(7, connection.ExecInt64("SELECT max(revoked_at_ms) FROM revocation"));
        // A read changes nothing, whatever the last write changed.
        Assert.Equal(0, connection.Exec("SELECT count(*) FROM revocation"));
        // A NULL where a value is expected is an error, not an empty string or a zero.
        Assert.Throws<InvalidCastException>(() => connection.ReadFirst("SELECT reason FROM revocation WHERE scope = 'agent:b'", r => r.GetString(0)));
        Assert.Null(connection.ExecNullableInt64("SELECT revoked_at_ms FROM revocation WHERE scope = @scope", ("@scope", "agent:none")));

        // The same text with its values named in another order would bind them to the wrong places: refused.
        Assert.Throws<ArgumentException>(() => connection.Exec(Insert, ("@at", 9L), ("@scope", "agent:c"), ("@reason", null)));
        // A parameter the text needs but was not given would be NULL silently: refused.
        Assert.Throws<ArgumentException>(() => connection.Exec("DELETE FROM revocation WHERE scope = @scope AND reason = @reason", ("@scope", "agent:a")));
        // SQLite's own errors come back as SqliteException, and the statement is usable again after them.
        Assert.Throws<SqliteException>(() => connection.Exec(Insert, ("@scope", "agent:a"), ("@at", 1L), ("@reason", null)));
        Assert.Equal(1, connection.Exec(Insert, ("@scope", "agent:d"), ("@at", 1L), ("@reason", null)));
    }

    [Fact]
    public async Task Closing_the_connection_finalizes_its_statements_so_the_file_is_released()
    {
        using var dir = new TempDirectory();
        var path = dir.File("keybrake.db");
        using (var database = new SqliteDatabase(path))
        {
            await database.InitializeAsync(CancellationToken.None);
        }

        SqliteConnection.ClearAllPools(); // only the connection below has the file open
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Assert.Equal(0, connection.ExecInt64("SELECT count(*) FROM revocation"));
        connection.Dispose();

        // With a statement left open, SQLite would keep the database open (a "zombie") and the WAL would remain.
        Assert.False(File.Exists(path + "-wal"), "the last connection closed, so SQLite removed its WAL");
    }
}
