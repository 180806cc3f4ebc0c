using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Plain SQL on a SQLite ledger file, as a migration or someone editing the file would run it, beside the ledger's own connections.</summary>
public static class RawSql
{
    /// <summary>Opens the file as another process would: waits up to 5 s for the write lock.</summary>
    public static async Task<SqliteConnection> OpenAsync(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 5 }.ToString());
        await connection.OpenAsync();
        await connection.ExecuteAsync("PRAGMA busy_timeout = 5000;");
        return connection;
    }

    public static async Task ExecuteAsync(this SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row as a number (0 when none).</summary>
    public static async Task<long> ScalarAsync(this SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Every row's first column as text.</summary>
    public static async Task<List<string>> StringsAsync(this SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
