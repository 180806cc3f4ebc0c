using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance.Policy;

/// <summary>
/// Shadow mode: a rule marked <c>"shadow": true</c> lets the call pass and records what it would have refused, as an
/// audit row with outcome <c>allowed</c> and code <c>shadow_denied</c>, so operators can tune limits before enforcing.
/// </summary>
public sealed class ShadowRecorder(ILedger ledger, ILogger<ShadowRecorder> logger)
{
    public const string Code = "shadow_denied";

    private int _sequence;

    public async Task RecordAsync(string callId, CallIdentity who, string tool, string arguments, Denial wouldHave, CancellationToken ct)
    {
        try
        {
            await ledger.RecordDenialAsync(new DeniedCall($"{callId}.shadow{Interlocked.Increment(ref _sequence)}", who, tool, arguments, Code,
                $"shadow: would have been refused ({wouldHave.Code}): {wouldHave.Message}", null) { Outcome = AuditOutcomes.Allowed }, ct);
        }
        catch (LedgerUnavailableException ex)
        {
            // A shadow rule never blocks, not even through the ledger; the call's own row still fails closed.
            logger.LogWarning(ex, "Could not record a shadow refusal of {Tool} for {Agent}", tool, who.Agent);
        }
    }
}
