using System.Globalization;

namespace Keybrake.Mcp.Cli;

/// <summary>How the CLI prints times: UTC, ISO 8601 for JSON, a readable form for tables.</summary>
public static class CliTime
{
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Table(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
