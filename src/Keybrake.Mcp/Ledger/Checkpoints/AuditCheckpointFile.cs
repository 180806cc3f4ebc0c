namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>One line of a checkpoints file: the checkpoint, or why it is not one.</summary>
public sealed record AuditCheckpointLine(long Line, AuditCheckpoint? Checkpoint, string Problem);

/// <summary>Reads and appends checkpoints files: one JSON checkpoint per line, oldest first; blank lines are skipped.</summary>
public static class AuditCheckpointFile
{
    /// <summary>Every non-blank line of the file, numbered from 1.</summary>
    public static async Task<IReadOnlyList<AuditCheckpointLine>> ReadAsync(string path, CancellationToken ct)
    {
        var lines = new List<AuditCheckpointLine>();
        long number = 0;
        foreach (var text in await File.ReadAllLinesAsync(path, ct))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var checkpoint = AuditCheckpoint.Parse(text, out var problem);
            lines.Add(new AuditCheckpointLine(number, checkpoint, problem));
        }

        return lines;
    }

    /// <summary>Appends one line and flushes it to the disk before returning.</summary>
    public static async Task AppendAsync(string path, AuditCheckpoint checkpoint, CancellationToken ct)
    {
        await using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(checkpoint.ToLine() + "\n"), ct);
        stream.Flush(flushToDisk: true);
    }
}
