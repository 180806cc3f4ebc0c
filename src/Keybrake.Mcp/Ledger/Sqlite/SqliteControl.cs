using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>SQLite's own statements (PRAGMAs, transaction control, migrations), outside the ledger's SQL.</summary>
internal static class SqliteControl
{
    /// <summary>Runs a statement prepared once on this connection (the writer's BEGIN IMMEDIATE, COMMIT and ROLLBACK).</summary>
    public static void ExecKept(SqliteConnection connection, string sql)
    {
        var kept = Kept.GetOrCreateValue(connection);
        if (!kept.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Prepare();
            kept[sql] = command;
        }

        command.ExecuteNonQuery();
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Kept = new();

    /// <summary>Runs one or more statements; the first column of the first row, if any.</summary>
    public static object? Exec(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
