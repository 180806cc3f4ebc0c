using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>SQLite's own statements (PRAGMAs, transaction control, migrations), outside the ledger's SQL.</summary>
internal static class SqliteControl
{
    /// <summary>Runs a statement prepared once on this connection (the writer's BEGIN IMMEDIATE, COMMIT and ROLLBACK).</summary>
    public static void ExecKept(SqliteConnection connection, string sql) => Kept(connection, sql).ExecuteNonQuery();

    /// <summary>The first column of a statement prepared once on this connection, as a number.</summary>
    public static long ScalarKept(SqliteConnection connection, string sql) => Convert.ToInt64(Kept(connection, sql).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

    private static SqliteCommand Kept(SqliteConnection connection, string sql)
    {
        var kept = KeptCommands.GetOrCreateValue(connection);
        if (!kept.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Prepare();
            kept[sql] = command;
        }

        return command;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> KeptCommands = new();

    /// <summary>Runs one or more statements; the first column of the first row, if any.</summary>
    public static object? Exec(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
