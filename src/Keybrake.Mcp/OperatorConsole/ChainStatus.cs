using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>
/// The audit chain's last verification in this console, and when. Verifying reads the whole log, so it runs when an
/// operator asks (and once when the audit page is first shown), not on every page view.
/// </summary>
public sealed class ChainStatus(ILedger ledger, TimeProvider time)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>The last result and when it was taken; null before the first verification.</summary>
    public (AuditChainReport Report, DateTimeOffset At)? Last { get; private set; }

    public async Task<(AuditChainReport Report, DateTimeOffset At)> VerifyAsync(CancellationToken ct)
    {
        await _one.WaitAsync(ct);
        try
        {
            var report = await ledger.VerifyChainAsync(ct);
            Last = (report, time.GetUtcNow());
            return Last.Value;
        }
        finally
        {
            _one.Release();
        }
    }
}
