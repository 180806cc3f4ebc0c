using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>SQLite's own statements (PRAGMAs, transaction control, migrations), outside the ledger's SQL.</summary>
internal static class SqliteControl
{
    /// <summary>Runs one or more statements; the first column of the first row, if any.</summary>
    public static object? Exec(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
