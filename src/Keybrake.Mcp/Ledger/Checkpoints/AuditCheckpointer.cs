using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// Signs the audit chain's head and sends the checkpoint to every anchor, when the head has moved since this process's
/// last checkpoint. Before signing it checks that the event it signed last still has the hash it signed: a chain cut
/// or re-hashed under a running server is reported, and never signed.
/// </summary>
public sealed class AuditCheckpointer(ILedgerDatabase database, AuditSigningKey key, IReadOnlyList<ICheckpointAnchor> anchors, TimeProvider time,
    ILogger<AuditCheckpointer> logger)
{
    private AuditCheckpoint? _last;

    // Whether an anchor failed to take the last checkpoint: it is sent again even if the chain has not moved since.
    private bool _undelivered;

    /// <summary>The last checkpoint this process signed, if any.</summary>
    public AuditCheckpoint? Last => _last;

    /// <summary>Signs and publishes the head if it moved; null when it did not, or when the chain no longer agrees with the last checkpoint.</summary>
    public async Task<AuditCheckpoint?> CheckpointIfMovedAsync(CancellationToken ct)
    {
        var last = _last;
        var (head, signedBefore) = await database.ReadAsync(async s =>
            (await AuditChainStore.ReadHeadAsync(s), last is { Seq: > 0 } ? await AuditChainStore.ReadEventAsync(s, last.Seq) : null), ct, snapshot: true);
        var seq = head?.Seq ?? 0;
        var hash = head?.Hash ?? AuditChainContent.Genesis;
        if (last is not null)
        {
            // Unmoved, and every anchor has the last one: nothing to sign. An anchor that failed gets it again.
            if (seq == last.Seq && hash == last.Head && !_undelivered)
            {
                return null;
            }

            if (last.Seq > 0 && signedBefore?.Hash != last.Head)
            {
                logger.LogCritical(
                    "The audit chain no longer agrees with the checkpoint this server signed at {Time}: event seq {Seq} {Now} (signed {Signed}). " +
                    "The ledger was cut or rewritten; no checkpoint is signed until this is investigated ('audit verify --checkpoints')",
                    AuditRecordJson.Time(last.Time), last.Seq, signedBefore is null ? "is gone" : $"has hash {signedBefore.Hash}", last.Head);
                return null;
            }
        }

        var checkpoint = AuditCheckpoint.Sign(key, seq, hash, time.GetUtcNow());
        var undelivered = false;
        foreach (var anchor in anchors)
        {
            try
            {
                await anchor.PublishAsync(checkpoint, ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or System.Net.Sockets.SocketException
                                           || (ex is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // The other anchors still get it; the next checkpoint covers this one's events for this anchor too.
                logger.LogWarning("Could not send audit checkpoint seq {Seq} to {Anchor}: {Message}", seq, anchor.Name, ex.Message);
                undelivered = true;
            }
        }

        _undelivered = undelivered;

        logger.LogInformation("Signed audit checkpoint seq {Seq}, head {Head}", seq, hash);
        _last = checkpoint;
        return checkpoint;
    }
}
