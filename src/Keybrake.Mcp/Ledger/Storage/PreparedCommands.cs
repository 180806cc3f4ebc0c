using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Keybrake.Mcp.Ledger.Storage;

/// <summary>
/// One prepared statement per SQL text and connection, reused for every call: preparing a statement costs more than
/// running it, and the ledger runs the same dozen statements on every governed call.
/// </summary>
/// <remarks>
/// These run on SQLite's own statement handle, not through <see cref="SqliteCommand"/>: a command looks every parameter
/// up by name (a UTF-8 copy of the name and a search) on every execution, which was a tenth of a governed call's CPU.
/// A statement here finds its parameters' positions once. Statements run in whatever transaction the connection has.
/// </remarks>
internal static class PreparedCommands
{
    private static readonly ConditionalWeakTable<SqliteConnection, StatementCache> Caches = new();

    /// <summary>Runs a statement (stepping through any rows it returns); the number of rows it changed.</summary>
    public static int Exec(this SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var statement = Statement(connection, sql, parameters);
        try
        {
            while (statement.Step())
            {
            }

            // sqlite3_changes still holds the last write's count after a read or a PRAGMA.
            return raw.sqlite3_stmt_readonly(statement.Handle) != 0 ? 0 : raw.sqlite3_changes(connection.Handle);
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>The first column of the first row as a number; 0 for no row or NULL.</summary>
    public static long ExecInt64(this SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        connection.ExecNullableInt64(sql, parameters) ?? 0;

    /// <summary>The first column of the first row as a number; null for no row or NULL.</summary>
    public static long? ExecNullableInt64(this SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        connection.ReadFirst(sql, static r => r.NullableInt64(0), parameters);

    /// <summary>Reads the first row with <paramref name="map"/>, or default when there is none.</summary>
    public static T? ReadFirst<T>(this SqliteConnection connection, string sql, Func<SqliteRow, T> map, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var statement = Statement(connection, sql, parameters);
        try
        {
            return statement.Step() ? map(new SqliteRow(statement.Handle)) : default;
        }
        finally
        {
            // Also finishes an INSERT/UPDATE ... RETURNING: SQLite made every change on the first step.
            statement.Reset();
        }
    }

    /// <summary>Reads every row with <paramref name="map"/>.</summary>
    public static List<T> ReadAll<T>(this SqliteConnection connection, string sql, Func<SqliteRow, T> map, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var statement = Statement(connection, sql, parameters);
        try
        {
            var rows = new List<T>();
            var row = new SqliteRow(statement.Handle);
            while (statement.Step())
            {
                rows.Add(map(row));
            }

            return rows;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Reads rows with <paramref name="map"/> one at a time, as the caller asks for them (a whole log need not fit in memory).</summary>
    /// <remarks>The statement stays busy until the enumeration ends or is disposed: run nothing else on the connection meanwhile.</remarks>
    public static IEnumerable<T> Stream<T>(this SqliteConnection connection, string sql, Func<SqliteRow, T> map)
    {
        var statement = Statement(connection, sql, []);
        try
        {
            var row = new SqliteRow(statement.Handle);
            while (statement.Step())
            {
                yield return map(row);
            }
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <remarks>A connection is used by one caller at a time (pool, writer), so its cache needs no lock.</remarks>
    private static PreparedStatement Statement(SqliteConnection connection, string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var cache = Caches.GetValue(connection, static c => new StatementCache(c));
        if (!cache.Statements.TryGetValue(sql, out var statement))
        {
            statement = PreparedStatement.Prepare(connection.Handle!, sql, parameters);
            cache.Statements[sql] = statement;
        }

        statement.Bind(parameters);
        return statement;
    }

    /// <summary>A connection's statements, finalized when it closes (a statement left open would keep the file open).</summary>
    private sealed class StatementCache
    {
        public StatementCache(SqliteConnection connection)
        {
            connection.StateChange += (_, e) =>
            {
                if (e.CurrentState == System.Data.ConnectionState.Closed)
                {
                    foreach (var statement in Statements.Values)
                    {
                        statement.Dispose();
                    }

                    Statements.Clear();
                }
            };
        }

        public Dictionary<string, PreparedStatement> Statements { get; } = new(StringComparer.Ordinal);
    }

    private sealed class PreparedStatement(sqlite3 db, sqlite3_stmt handle, string[] names, int[] positions) : IDisposable
    {
        private const uint PreparePersistent = 0x01;

        public sqlite3_stmt Handle => handle;

        public static PreparedStatement Prepare(sqlite3 db, string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            Check(db, raw.sqlite3_prepare_v3(db, sql, PreparePersistent, out var handle, out var tail));
            if (!string.IsNullOrWhiteSpace(tail.TrimEnd().TrimEnd(';')))
            {
                handle.Dispose();
                throw new ArgumentException($"one statement per call: '{sql}'", nameof(sql));
            }

            // The callers name their parameters in a fixed order per SQL text: positions are looked up this once. A
            // name the text does not use is left unbound (0), as one text of a query may leave out a filter.
            var positions = new int[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                positions[i] = raw.sqlite3_bind_parameter_index(handle, parameters[i].Name);
            }

            if (raw.sqlite3_bind_parameter_count(handle) != positions.Where(p => p > 0).Distinct().Count())
            {
                handle.Dispose();
                throw new ArgumentException($"'{sql}' takes parameters that were not given", nameof(parameters));
            }

            var names = new string[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                names[i] = parameters[i].Name;
            }

            return new PreparedStatement(db, handle, names, positions);
        }

        public void Bind(ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            if (parameters.Length != names.Length)
            {
                throw new ArgumentException($"{parameters.Length} parameters given, {names.Length} expected", nameof(parameters));
            }

            for (var i = 0; i < parameters.Length; i++)
            {
                // Positions were found for the first call's order; every call of one SQL text must name them alike.
                if (!ReferenceEquals(parameters[i].Name, names[i]) && parameters[i].Name != names[i])
                {
                    throw new ArgumentException($"parameter {i} is {parameters[i].Name}, expected {names[i]}", nameof(parameters));
                }

                var position = positions[i];
                if (position == 0)
                {
                    continue;
                }

                var rc = parameters[i].Value switch
                {
                    null or DBNull => raw.sqlite3_bind_null(handle, position),
                    string text => raw.sqlite3_bind_text16(handle, position, text.AsSpan()),
                    long number => raw.sqlite3_bind_int64(handle, position, number),
                    int number => raw.sqlite3_bind_int64(handle, position, number),
                    bool flag => raw.sqlite3_bind_int64(handle, position, flag ? 1 : 0),
                    double real => raw.sqlite3_bind_double(handle, position, real),
                    var other => throw new NotSupportedException($"a {other.GetType().Name} as a SQLite parameter"),
                };
                Check(db, rc);
            }
        }

        /// <summary>True while it returns rows; false when done.</summary>
        public bool Step() => raw.sqlite3_step(handle) switch
        {
            raw.SQLITE_ROW => true,
            raw.SQLITE_DONE => false,
            var rc => Fail(db, rc),
        };

        public void Reset()
        {
            // Reset reports the last step's error again, which Step already threw.
            raw.sqlite3_reset(handle);
        }

        public void Dispose() => handle.Dispose();

        private static bool Fail(sqlite3 db, int rc)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
            throw new InvalidOperationException($"SQLite error {rc}");
        }

        private static void Check(sqlite3 db, int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                Fail(db, rc);
            }
        }
    }
}
