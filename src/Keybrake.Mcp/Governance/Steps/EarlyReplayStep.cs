using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 7, early: a retry of a request that moved money (or may have) is answered from the ledger, before anything is
/// re-read from Stripe: a full refund retried would otherwise resolve to "nothing left to refund". Looked for again
/// under the ledger's lock when the call starts, so two racing attempts of one request are still one.
/// </summary>
public sealed class EarlyReplayStep(ILedger ledger) : IEarlyCheck
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        if (call.Request is { } request && await ledger.FindEarlierAsync(request.Fingerprint, request.RetryHorizon(call.Now), ct) is { } earlier)
        {
            call.Earlier = earlier;
        }

        return null;
    }
}
