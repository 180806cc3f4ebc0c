using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;

[module: DapperAot]
[module: CommandFactory<Keybrake.Mcp.Ledger.Sqlite.SqliteCommandReuse<object>>]

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>
/// The base of every Dapper command in this assembly. On SQLite, a statement is prepared once per connection and kept with
/// it: the ledger runs the same few dozen statements on every governed call, and preparing one costs more than running
/// it (Dapper.AOT's own command cache detaches a command from its connection between uses, which makes Microsoft.Data.Sqlite
/// throw its prepared statement away). On PostgreSQL commands are plain: Npgsql prepares repeated statements itself.
/// </summary>
public abstract class SqliteCommandReuse<T> : CommandFactory<T>
{
    // Per connection (used by one caller at a time), the idle command of each call site and SQL text.
    // Keyed by the SQL string itself, not its text: the ledger's statements are constants, the same object on every call,
    // and hashing a long statement's text on every execution was measurable.
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<(object Site, string Sql), DbCommand>> Parked = new();

    public override DbCommand GetCommand(DbConnection connection, string sql, CommandType commandType, T args)
    {
        // Reused: commands whose parameters Dapper.AOT knows at build time (set again by position, CanPrepare), and those
        // that take none. A query whose parameters are only known at run time binds them by name: made anew each time.
        if (connection is not SqliteConnection || !(CanPrepare || args is null))
        {
            return base.GetCommand(connection, sql, commandType, args);
        }

        DbCommand? parked = null;
        if (Parked.TryGetValue(connection, out var commands))
        {
            commands.Remove((this, sql), out parked);
        }

        if (TryReuseThreadStatic(ref parked, sql, commandType, args) is { } reused)
        {
            return reused;
        }

        var command = base.GetCommand(connection, sql, commandType, args);
        foreach (DbParameter parameter in command.Parameters)
        {
            // Named as the SQL names them: Microsoft.Data.Sqlite otherwise looks a bare name up once more, with '@', for every
            // parameter of every execution. Safe because the ledger's statements are all constants, whose values Dapper.AOT
            // sets again by position; a statement built at run time would have its parameters looked up by name (the ledger
            // contract tests run every statement, and such a lookup would fail them).
            if (parameter.ParameterName is [not ('@' or '$' or ':'), ..])
            {
                parameter.ParameterName = "@" + parameter.ParameterName;
            }
        }

        command.Prepare();
        return command;
    }

    public override bool TryRecycle(DbCommand command) =>
        command is SqliteCommand { Connection: { } connection } && (CanPrepare || command.Parameters.Count == 0)
        && Parked.GetValue(connection, static _ => new(BySameObjects.Instance)).TryAdd((this, command.CommandText), command);

    private sealed class BySameObjects : IEqualityComparer<(object Site, string Sql)>
    {
        public static readonly BySameObjects Instance = new();

        public bool Equals((object Site, string Sql) x, (object Site, string Sql) y) => ReferenceEquals(x.Site, y.Site) && ReferenceEquals(x.Sql, y.Sql);

        public int GetHashCode((object Site, string Sql) key) => HashCode.Combine(RuntimeHelpers.GetHashCode(key.Site), RuntimeHelpers.GetHashCode(key.Sql));
    }
}
