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

    /// <summary>
    /// Appends one line and flushes it to the disk before returning. The file is locked while it is written: on Unix .NET
    /// appends at the length it saw when opening, so two writers at once (a cron 'audit checkpoint --out' and a server's
    /// file anchor) would otherwise write over each other and leave a torn line that fails every later verify.
    /// </summary>
    public static async Task AppendAsync(string path, AuditCheckpoint checkpoint, CancellationToken ct)
    {
        var line = System.Text.Encoding.UTF8.GetBytes(checkpoint.ToLine() + "\n");
        for (var attempt = 1; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.None });
            }
            catch (IOException) when (attempt < LockAttempts && File.Exists(path))
            {
                // Another writer holds the lock for the few milliseconds of its append.
                await Task.Delay(LockRetry, ct);
                continue;
            }

            await using (stream)
            {
                await stream.WriteAsync(line, ct);
                stream.Flush(flushToDisk: true);
            }

            return;
        }
    }

    private const int LockAttempts = 40;

    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(25);
}
