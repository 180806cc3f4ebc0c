using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Shadow mode: a rule marked <c>"shadow": true</c> lets the call pass and records what it would have refused, as an
/// audit row with outcome <c>allowed</c> and code <c>shadow_denied</c>, so operators can tune limits before enforcing.
/// </summary>
public sealed class ShadowRecorder(ILedger ledger, ILogger<ShadowRecorder> logger)
{
    public const string Code = "shadow_denied";

    private int _sequence;

    /// <summary>Audits what a shadow rule would have refused in <paramref name="call"/>; never throws for the ledger.</summary>
    public async Task RecordAsync(ToolCall call, Denial wouldHave, CancellationToken ct)
    {
        try
        {
            await ledger.RecordVerdictAsync(new Verdict($"{call.CallId}.shadow{Interlocked.Increment(ref _sequence)}", call.Who, call.ToolName, call.ArgumentsJson,
                Code, $"shadow: would have been refused ({wouldHave.Code}): {wouldHave.Message}", null) { Outcome = AuditOutcomes.Allowed, Auth = call.Auth }, ct);
        }
        catch (LedgerUnavailableException ex)
        {
            // A shadow rule never blocks, not even through the ledger; the call's own row still fails closed.
            logger.LogWarning(ex, "Could not record a shadow refusal of {Tool} for {Agent}", call.ToolName, call.Agent);
        }
    }
}
