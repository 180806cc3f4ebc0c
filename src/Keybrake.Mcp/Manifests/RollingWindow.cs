namespace Keybrake.Mcp.Manifests;

/// <summary>A rolling window: the last minute, hour, day (24 h), week, month (30 days), or all time.</summary>
public enum RollingWindow
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Total,
}

/// <summary>Durations and names of <see cref="RollingWindow"/> values.</summary>
public static class RollingWindows
{
    /// <summary>The window's length; null for <see cref="RollingWindow.Total"/>.</summary>
    public static TimeSpan? Length(this RollingWindow window) => window switch
    {
        RollingWindow.Minute => TimeSpan.FromMinutes(1),
        RollingWindow.Hour => TimeSpan.FromHours(1),
        RollingWindow.Day => TimeSpan.FromDays(1),
        RollingWindow.Week => TimeSpan.FromDays(7),
        RollingWindow.Month => TimeSpan.FromDays(30),
        _ => null,
    };

    /// <summary>The manifest spelling: <c>minute</c>, <c>hour</c>, <c>day</c>, ...</summary>
    public static string Name(this RollingWindow window) => window.ToString().ToLowerInvariant();

    /// <summary>Parses the manifest spelling.</summary>
    public static RollingWindow? TryParse(string? text) => text switch
    {
        "minute" => RollingWindow.Minute,
        "hour" => RollingWindow.Hour,
        "day" => RollingWindow.Day,
        "week" => RollingWindow.Week,
        "month" => RollingWindow.Month,
        "total" => RollingWindow.Total,
        _ => null,
    };
}
