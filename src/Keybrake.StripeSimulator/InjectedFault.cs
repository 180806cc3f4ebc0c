namespace Keybrake.StripeSimulator;

/// <summary>A count-limited fault waiting for matching requests; see <see cref="FaultPlan"/>.</summary>
public sealed class InjectedFault
{
    private int _remaining;

    internal InjectedFault(FaultKind kind, string method, string pathPrefix, int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        Kind = kind;
        Method = method.ToUpperInvariant();
        PathPrefix = pathPrefix;
        _remaining = times;
    }

    public FaultKind Kind { get; }
    public string Method { get; }
    public string PathPrefix { get; }

    /// <summary>How many more matching requests this fault will hit.</summary>
    public int Remaining => Volatile.Read(ref _remaining);

    public int Status { get; init; }
    public string ErrorType { get; init; } = "api_error";
    public string? ErrorCode { get; init; }
    public string? Message { get; init; }
    public TimeSpan Delay { get; init; }
    public bool ApplyChange { get; init; } = true;

    internal bool Matches(string method, string path) =>
        Remaining > 0 && Method == method && path.StartsWith(PathPrefix, StringComparison.Ordinal);

    internal bool TryConsume()
    {
        while (true)
        {
            var current = Volatile.Read(ref _remaining);
            if (current <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _remaining, current - 1, current) == current)
            {
                return true;
            }
        }
    }
}

/// <summary>What an injected fault does to the request it hits.</summary>
public enum FaultKind
{
    /// <summary>Answer with an error status; nothing is applied.</summary>
    Status,

    /// <summary>Wait before handling (optionally not applying the change and dropping the connection).</summary>
    Delay,

    /// <summary>Apply the change and save the idempotent response, then drop the connection unanswered.</summary>
    CommitThenDrop,
}
