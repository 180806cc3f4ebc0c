using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Plain SQL (one statement or several) on a connection, as a migration or someone editing the file would run it.</summary>
public static class RawSql
{
    public static async Task ExecuteAsync(this SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
