using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 3, resolve: reads from Stripe what the policy needs, the record the call acts on, its customer and the money the
/// call would move (the resolved amount: a full refund has no amount argument). An earlier call on the same object whose
/// outcome was unknown is settled first when it can be, since what the object holds may then have changed.
/// </summary>
public sealed class ResolveStep(Reconciler reconciler, ILogger<ResolveStep> logger) : IGovernanceStep
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        var operation = call.Operation!;
        var resolved = await operation.ResolveAsync(call.Invocation, ct);
        if (operation.Effect != ToolEffect.Read && resolved.Denial is null && resolved.Object is { } touched && await SettleEarlierAsync(touched, ct))
        {
            resolved = await operation.ResolveAsync(call.Invocation, ct);
        }

        call.Resolved = resolved;
        return resolved.Denial;
    }

    private async Task<bool> SettleEarlierAsync(string stripeObject, CancellationToken ct)
    {
        try
        {
            return await reconciler.ReconcileObjectAsync(stripeObject, ct);
        }
        catch (LedgerUnavailableException ex)
        {
            // Only a chance to settle early: the call's start fails closed on its own if the ledger stays down.
            logger.LogWarning(ex, "Could not look for unsettled calls on {Object}", stripeObject);
            return false;
        }
    }
}
