namespace Keybrake.StripeSimulator;

/// <summary>One-shot (count-limited) faults, matched by method and path prefix in the order they were enqueued.</summary>
public sealed class FaultPlan
{
    private readonly List<InjectedFault> _faults = [];
    private readonly Lock _gate = new();

    /// <summary>Answer matching requests with an error, e.g. (500, "api_error"), (429, "invalid_request_error", "rate_limit"), (409, "invalid_request_error", "lock_timeout").</summary>
    public InjectedFault Status(string method, string pathPrefix, int status, string type, string? code = null, string? message = null, int times = 1) =>
        Add(new InjectedFault(FaultKind.Status, method, pathPrefix, times)
        {
            Status = status,
            ErrorType = type,
            ErrorCode = code,
            Message = message,
        });

    /// <summary>Wait before handling; with applyChange false the request is dropped after the wait without being applied.</summary>
    public InjectedFault Delay(string method, string pathPrefix, TimeSpan delay, bool applyChange = true, int times = 1) =>
        Add(new InjectedFault(FaultKind.Delay, method, pathPrefix, times) { Delay = delay, ApplyChange = applyChange });

    /// <summary>Apply the change (saving the idempotent response) but abort the connection without answering.</summary>
    public InjectedFault CommitThenDrop(string method, string pathPrefix, int times = 1) =>
        Add(new InjectedFault(FaultKind.CommitThenDrop, method, pathPrefix, times));

    /// <summary>Faults that still have hits left.</summary>
    public IReadOnlyList<InjectedFault> Pending
    {
        get
        {
            lock (_gate)
            {
                return [.. _faults.Where(f => f.Remaining > 0)];
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    internal InjectedFault? TryTake(string method, string path)
    {
        lock (_gate)
        {
            foreach (var fault in _faults)
            {
                if (fault.Matches(method, path) && fault.TryConsume())
                {
                    return fault;
                }
            }
            return null;
        }
    }

    private InjectedFault Add(InjectedFault fault)
    {
        lock (_gate)
        {
            _faults.Add(fault);
        }
        return fault;
    }
}
