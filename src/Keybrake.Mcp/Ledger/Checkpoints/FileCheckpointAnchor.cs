namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>Appends checkpoints to a file (best on another disk or host, or append-only: <c>chattr +a</c>), flushed to the disk each time.</summary>
public sealed class FileCheckpointAnchor(string path) : ICheckpointAnchor
{
    public string Name => path;

    public Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken ct) => AuditCheckpointFile.AppendAsync(path, checkpoint, ct);
}
