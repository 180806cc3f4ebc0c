using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Cli;

/// <summary>The spellings of <c>--log-level</c> / <c>KEYBRAKE_LOG_LEVEL</c>.</summary>
public static class LogLevels
{
    public const string Names = "trace, debug, information, warning, error, critical, none";

    /// <summary>The level named (any case; "info" and "warn" too), or null for anything else.</summary>
    public static LogLevel? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => null,
    };
}
