namespace Keybrake.Mcp.Notifications;

/// <summary>How the dispatcher polls, sends and retries; the defaults suit production, tests shorten them.</summary>
public sealed record NotificationSettings
{
    /// <summary>How often an idle dispatcher looks for events (a read). Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often it looks while no manifest names an endpoint: events are still routed (to nobody) so that an endpoint
    /// added later is not sent a backlog, but every stdio server of a machine need not read the ledger each second. Default 30 s.
    /// </summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one POST may take, connection included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the first failed attempt; it doubles with each failure. Default 1 s.</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts. Default 5 min.</summary>
    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old an event may get before a failing endpoint is given up on (logged as an error). Default 24 h.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a claimed delivery is this instance's alone; longer than <see cref="Timeout"/>. Default 1 min.</summary>
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries claimed and sent at once. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after <paramref name="attempt"/> failures (1, 2, 4 ... capped).</summary>
    public TimeSpan RetryAfter(int attempt)
    {
        var doubled = FirstRetry.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 40));
        return doubled >= MaxRetry.Ticks ? MaxRetry : TimeSpan.FromTicks((long)doubled);
    }
}
