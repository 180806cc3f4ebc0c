using System.Globalization;

namespace Keybrake.Mcp.Cli;

/// <summary>Parses short durations such as <c>30s</c>, <c>15m</c>, <c>24h</c>, <c>7d</c>.</summary>
public static class DurationText
{
    public static TimeSpan? TryParse(string? text)
    {
        if (text is not { Length: >= 2 } || !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return null;
        }

        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            'w' => TimeSpan.FromDays(7 * n),
            _ => null,
        };
    }
}
