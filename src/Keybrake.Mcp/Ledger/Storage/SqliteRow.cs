using SQLitePCL;

namespace Keybrake.Mcp.Ledger.Storage;

/// <summary>The current row of a prepared statement, read by column position.</summary>
internal readonly struct SqliteRow(sqlite3_stmt statement)
{
    public int FieldCount => raw.sqlite3_column_count(statement);

    public bool IsDBNull(int ordinal) => raw.sqlite3_column_type(statement, ordinal) == raw.SQLITE_NULL;

    /// <summary>A NULL throws (as it did through Microsoft.Data.Sqlite): a non-nullable value never reads as 0.</summary>
    public long GetInt64(int ordinal) => raw.sqlite3_column_int64(statement, NotNull(ordinal));

    public int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

    /// <summary>A NULL throws: a non-nullable value never reads as null.</summary>
    public string GetString(int ordinal) => raw.sqlite3_column_text(statement, NotNull(ordinal)).utf8_to_string();

    public string? NullableString(int ordinal) => IsDBNull(ordinal) ? null : GetString(ordinal);

    public long? NullableInt64(int ordinal) => IsDBNull(ordinal) ? null : GetInt64(ordinal);

    private int NotNull(int ordinal) =>
        IsDBNull(ordinal) ? throw new InvalidCastException($"column {ordinal} is NULL where a value was expected") : ordinal;
}
