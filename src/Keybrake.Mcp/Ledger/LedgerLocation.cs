using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Where <c>--db</c> / <c>KEYBRAKE_DB</c> points: a SQLite file, or a PostgreSQL database (<c>postgres://</c> or
/// <c>postgresql://</c>). Any other <c>scheme://</c> is refused, never taken for a folder named after the scheme.
/// </summary>
public abstract partial record LedgerLocation
{
    /// <summary>A SQLite file on this machine.</summary>
    public sealed record SqliteFile(string Path) : LedgerLocation
    {
        public override string Name => Path;
    }

    /// <summary>A PostgreSQL database, from its URL.</summary>
    public sealed record PostgresUrl(Uri Url) : LedgerLocation
    {
        /// <summary>The URL without its password, for messages.</summary>
        public override string Name => new UriBuilder(Url) { Password = "" }.Uri.ToString().TrimEnd('/');
    }

    /// <summary>The ledger as messages name it (never with a password).</summary>
    public abstract string Name { get; }

    /// <summary>Reads a <c>--db</c> value; an error names what is accepted.</summary>
    public static LedgerLocation Parse(string value)
    {
        if (Scheme().Match(value) is not { Success: true } scheme)
        {
            return new SqliteFile(System.IO.Path.GetFullPath(value));
        }

        var name = scheme.Groups[1].Value.ToLowerInvariant();
        if (name is not ("postgres" or "postgresql"))
        {
            throw new ArgumentException($"--db: '{name}://' is not a ledger this server can use: give a SQLite file path, or a PostgreSQL URL " +
                "(postgres://user:password@host:5432/database)");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host) || url.AbsolutePath.Trim('/').Length == 0)
        {
            throw new ArgumentException("--db: a PostgreSQL URL names a host and a database: postgres://user:password@host:5432/database");
        }

        // Its settings are checked now (the database is not reached): a bad one is bad usage, not an unavailable ledger.
        _ = Postgres.PostgresConnectionString.From(url);
        return new PostgresUrl(url);
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.\-]*)://")]
    private static partial Regex Scheme();
}
