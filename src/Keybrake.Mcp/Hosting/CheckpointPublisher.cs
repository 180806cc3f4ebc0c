using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Hosting;

/// <summary>
/// A server given an audit key (<c>--audit-key</c> / <c>KEYBRAKE_AUDIT_KEY</c>) checkpoints the chain's head at start,
/// every <see cref="Interval"/> while the head moves (or an anchor missed the last one), and on the same terms when it stops.
/// </summary>
public sealed class CheckpointPublisher(AuditCheckpointer checkpointer, TimeProvider time, ILogger<CheckpointPublisher> logger) : BackgroundService
{
    /// <summary>How often the head is looked at (<c>KEYBRAKE_AUDIT_CHECKPOINT_SECONDS</c>): what an insider could cut off unseen is at most this much.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckpointAsync(stoppingToken);
            if (!await time.WaitOrStopAsync(Interval, stoppingToken))
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What this server wrote since the last interval is signed before it goes (a stdio server often lives minutes).
        await CheckpointAsync(cancellationToken);
    }

    private async Task CheckpointAsync(CancellationToken ct)
    {
        try
        {
            await checkpointer.CheckpointIfMovedAsync(ct);
        }
        catch (LedgerUnavailableException ex)
        {
            logger.LogWarning("Could not read the audit chain's head for a checkpoint: {Message}", ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
