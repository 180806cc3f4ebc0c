using SQLitePCL;

namespace Keybrake.Mcp.Ledger.Storage;

/// <summary>The current row of a prepared statement, read by column position.</summary>
internal readonly struct SqliteRow(sqlite3_stmt statement)
{
    public int FieldCount => raw.sqlite3_column_count(statement);

    public bool IsDBNull(int ordinal) => raw.sqlite3_column_type(statement, ordinal) == raw.SQLITE_NULL;

    public long GetInt64(int ordinal) => raw.sqlite3_column_int64(statement, ordinal);

    public int GetInt32(int ordinal) => checked((int)raw.sqlite3_column_int64(statement, ordinal));

    public string GetString(int ordinal) => raw.sqlite3_column_text(statement, ordinal).utf8_to_string();

    public string? NullableString(int ordinal) => IsDBNull(ordinal) ? null : GetString(ordinal);

    public long? NullableInt64(int ordinal) => IsDBNull(ordinal) ? null : GetInt64(ordinal);
}
