using Npgsql;

namespace Keybrake.Mcp.Ledger.Postgres;

/// <summary>
/// An Npgsql connection string from the URL an operator writes (<c>postgres://user:password@host:5432/database?sslmode=require</c>),
/// with the settings a ledger server wants: its name in <c>pg_stat_activity</c>, prepared statements, bounded waits.
/// </summary>
internal static class PostgresConnectionString
{
    public static string From(Uri url)
    {
        var userInfo = url.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.IsDefaultPort || url.Port <= 0 ? 5432 : url.Port,
            Database = Uri.UnescapeDataString(url.AbsolutePath.Trim('/')),
            Username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null,
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
            ApplicationName = "keybrake-mcp",
            // The same few dozen statements on every call: prepared on the server once they repeat.
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            Timeout = 10,
            CommandTimeout = 30,
            // The ledger sets no session state, so a pooled connection needs no reset (a round trip) before its next use.
            NoResetOnClose = true,
        };
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (Uri.UnescapeDataString(pair), "");
            switch (key)
            {
                case "sslmode":
                    builder.SslMode = value switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw new ArgumentException($"--db: sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                    };
                    break;
                case "connect_timeout":
                    builder.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "pool_size":
                    builder.MaxPoolSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"--db: '{key}' is not a setting keybrake-mcp takes in a PostgreSQL URL (it takes sslmode, connect_timeout, application_name, pool_size)");
            }
        }

        return builder.ConnectionString;
    }
}
