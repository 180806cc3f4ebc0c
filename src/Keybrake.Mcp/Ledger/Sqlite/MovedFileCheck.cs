using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>
/// Asks SQLite whether a connection's database file was deleted, renamed or replaced since it was opened
/// (<c>SQLITE_FCNTL_HAS_MOVED</c>). A connection kept open across calls would otherwise go on writing an unlinked
/// file while the path holds something else: the server must notice and refuse instead.
/// </summary>
internal static class MovedFileCheck
{
    private const int HasMoved = 20; // SQLITE_FCNTL_HAS_MOVED
    private static readonly IntPtr Main = Marshal.StringToCoTaskMemUTF8("main");
    private static bool _unsupported;

    /// <summary>True when the file the connection writes is no longer the file at <paramref name="path"/>.</summary>
    public static bool Moved(SqliteConnection connection, string path)
    {
        if (!_unsupported && connection.Handle is { } handle)
        {
            try
            {
                // SQLite stats the path and compares it with the open file: deleted, renamed or replaced all count.
                var moved = 0;
                if (sqlite3_file_control(handle.DangerousGetHandle(), Main, HasMoved, ref moved) == 0)
                {
                    return moved != 0;
                }
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Another SQLite build: fall back to the existence check alone.
                _unsupported = true;
            }
        }

        return !File.Exists(path);
    }

    // The SQLite library Microsoft.Data.Sqlite already loaded (SQLitePCLRaw's e_sqlite3 bundle).
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_file_control(IntPtr db, IntPtr zDbName, int op, ref int pArg);
}
