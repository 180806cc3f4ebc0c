using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Hosting;

/// <summary>
/// Keeps this server's lease in the ledger while it runs (renewed every <see cref="RenewEvery"/>, lapsing after
/// <see cref="Length"/>), gives it up when it stops, and after each renewal settles the orphans of instances that stopped
/// (their calls whose outcome is unknown) for the roles this server knows, at once, through Stripe's idempotency.
/// </summary>
public sealed class LeaseKeeper(ILedger ledger, InstanceIdentity instance, Reconciler reconciler, ManifestSource manifests, TimeProvider time,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    /// <summary>How long a lease lasts without renewal: an instance gone this long is taken for stopped.</summary>
    public TimeSpan Length { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan RenewEvery => Length / 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                await ledger.RenewLeaseAsync(new InstanceLease(instance.Id, instance.Host, instance.Pid, instance.Started, now, now + Length), stoppingToken);
                var settled = await reconciler.ReconcileOrphansAsync([.. manifests.Current.Roles.Keys], stoppingToken);
                if (settled.Count(r => r.Result != "unknown") is > 0 and var count)
                {
                    logger.LogInformation("Settled {Count} call(s) of server instances that stopped", count);
                }
            }
            catch (LedgerUnavailableException ex)
            {
                // Calls fail closed meanwhile; the lease lapses if this lasts, and this instance's own calls become orphans.
                logger.LogWarning("Could not renew this server's lease: {Message}", ex.Message);
            }

            try
            {
                await Task.Delay(RenewEvery, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await ledger.EndLeaseAsync(instance.Id, cancellationToken);
        }
        catch (LedgerUnavailableException ex)
        {
            logger.LogWarning("Could not give this server's lease up: {Message}; it lapses by itself", ex.Message);
        }
    }
}
