namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>A place outside the ledger where checkpoints are kept, so that whoever can write the ledger cannot rewrite them too.</summary>
public interface ICheckpointAnchor
{
    /// <summary>How logs name it (a file path, a URL without its query, <c>stderr</c>, <c>syslog</c>).</summary>
    string Name { get; }

    /// <summary>Delivers one checkpoint; throws when it could not.</summary>
    Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken ct);
}
