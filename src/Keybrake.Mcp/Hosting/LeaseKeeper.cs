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

    /// <summary>The longest wait between two sweeps for orphans while the last sweep left some unknown.</summary>
    public static readonly TimeSpan MaxSweepWait = TimeSpan.FromMinutes(5);

    // Two loops: a sweep may wait on Stripe for longer than a lease lasts, and the renewal must not wait with it (a
    // lapsed lease would make this instance's own calls in flight look orphaned to the others).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(RenewAsync(stoppingToken), SweepAsync(stoppingToken));

    private async Task RenewAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                await ledger.RenewLeaseAsync(new InstanceLease(instance.Id, instance.Host, instance.Pid, instance.Started, now, now + Length), stoppingToken);
            }
            catch (LedgerUnavailableException ex)
            {
                // Calls fail closed meanwhile; the lease lapses if this lasts, and this instance's own calls become orphans.
                logger.LogWarning("Could not renew this server's lease: {Message}", ex.Message);
            }

            if (!await time.WaitOrStopAsync(RenewEvery, stoppingToken))
            {
                break;
            }
        }
    }

    /// <summary>
    /// Settles orphans every <see cref="RenewEvery"/>; while a sweep leaves some unknown (Stripe cannot tell yet), the wait
    /// doubles up to <see cref="MaxSweepWait"/>, so an orphan no sweep can settle is not asked about every few seconds.
    /// </summary>
    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        var wait = RenewEvery;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reports = await reconciler.ReconcileOrphansAsync([.. manifests.Current.Roles.Keys], stoppingToken);
                if (reports.Count(r => r.Result != "unknown") is > 0 and var count)
                {
                    logger.LogInformation("Settled {Count} call(s) of server instances that stopped", count);
                }

                var stuck = reports.Any(r => r.Result == "unknown") && reports.All(r => r.Result == "unknown");
                wait = stuck ? TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxSweepWait.Ticks)) : RenewEvery;
            }
            catch (LedgerUnavailableException ex)
            {
                logger.LogWarning("Could not look for calls of stopped instances: {Message}", ex.Message);
            }

            if (!await time.WaitOrStopAsync(wait, stoppingToken))
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
