namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// Writes each checkpoint as one line on stderr, <c>keybrake-mcp audit checkpoint {json}</c>: under systemd the journal
/// keeps it (and a log shipper can take it off the host); the JSON after the prefix is a checkpoints-file line.
/// </summary>
public sealed class StderrCheckpointAnchor(TextWriter error) : ICheckpointAnchor
{
    /// <summary>What precedes the JSON on each line.</summary>
    public const string Prefix = "keybrake-mcp audit checkpoint ";

    public string Name => "stderr";

    public async Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken ct)
    {
        await error.WriteLineAsync((Prefix + checkpoint.ToLine()).AsMemory(), ct);
        await error.FlushAsync(ct);
    }
}
