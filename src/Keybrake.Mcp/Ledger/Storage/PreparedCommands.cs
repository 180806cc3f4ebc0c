using System.Data;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Storage;

/// <summary>
/// One prepared command per SQL text and connection, reused for every call: preparing a statement costs more than
/// running it, and the ledger runs the same dozen statements on every governed call.
/// </summary>
internal static class PreparedCommands
{
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Caches = new();

    /// <summary>The connection's command for <paramref name="sql"/>, bound to <paramref name="tx"/> and to these values, in order.</summary>
    /// <remarks>A connection is used by one caller at a time (pool, writer), so its cache needs no lock.</remarks>
    public static SqliteCommand Prepared(this SqliteConnection connection, IDbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var cache = Caches.GetValue(connection, static _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!cache.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            cache[sql] = command;
        }

        command.Transaction = (SqliteTransaction?)tx;
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        }

        return command;
    }

    public static int Exec(this SqliteConnection connection, IDbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        connection.Prepared(tx, sql, parameters).ExecuteNonQuery();

    public static long ExecInt64(this SqliteConnection connection, IDbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        connection.Prepared(tx, sql, parameters).ExecuteScalar() switch
        {
            null or DBNull => 0,
            var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        };

    public static long? ExecNullableInt64(this SqliteConnection connection, IDbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        connection.Prepared(tx, sql, parameters).ExecuteScalar() switch
        {
            null or DBNull => null,
            var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>Reads the first row with <paramref name="map"/>, or default when there is none.</summary>
    public static T? ReadFirst<T>(this SqliteConnection connection, IDbTransaction? tx, string sql, Func<SqliteDataReader, T> map,
        params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var reader = connection.Prepared(tx, sql, parameters).ExecuteReader();
        return reader.Read() ? map(reader) : default;
    }

    /// <summary>Reads every row with <paramref name="map"/>.</summary>
    public static List<T> ReadAll<T>(this SqliteConnection connection, IDbTransaction? tx, string sql, Func<SqliteDataReader, T> map,
        params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var reader = connection.Prepared(tx, sql, parameters).ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static string? NullableString(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
