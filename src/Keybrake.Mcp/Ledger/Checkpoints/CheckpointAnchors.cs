namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// The anchors <c>KEYBRAKE_AUDIT_ANCHORS</c> names, comma-separated: <c>stderr</c>, <c>syslog</c> or
/// <c>syslog:SOCKET</c>, an <c>http(s)://</c> webhook URL, or an absolute file path (optionally <c>file:</c>-prefixed).
/// </summary>
public static class CheckpointAnchors
{
    /// <summary>Where a server sends checkpoints when the variable is not set.</summary>
    public const string Default = "stderr";

    /// <summary>The entries of the variable's value.</summary>
    public static IReadOnlyList<string> Split(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>What is wrong with one entry, or null when it names an anchor.</summary>
    public static string? Problem(string entry) => Kind(entry) is null
        ? $"'{entry}' is not stderr, syslog[:SOCKET], an http(s) URL or an absolute file path"
        : null;

    /// <summary>The anchor of a valid entry.</summary>
    public static ICheckpointAnchor Create(string entry, TextWriter error, HttpClient http, TimeProvider time) => Kind(entry) switch
    {
        AnchorKind.Stderr => new StderrCheckpointAnchor(error),
        AnchorKind.Syslog => new SyslogCheckpointAnchor(entry.Length > "syslog:".Length ? entry["syslog:".Length..] : SyslogCheckpointAnchor.DefaultSocket, time),
        AnchorKind.Webhook => new WebhookCheckpointAnchor(new Uri(entry), http),
        AnchorKind.File => new FileCheckpointAnchor(FilePath(entry)),
        _ => throw new ArgumentException(Problem(entry), nameof(entry)),
    };

    private static AnchorKind? Kind(string entry)
    {
        if (entry == "stderr")
        {
            return AnchorKind.Stderr;
        }

        if (entry == "syslog" || (entry.StartsWith("syslog:", StringComparison.Ordinal) && Path.IsPathFullyQualified(entry["syslog:".Length..])))
        {
            return AnchorKind.Syslog;
        }

        if (entry.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || entry.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(entry, UriKind.Absolute, out _) ? AnchorKind.Webhook : null;
        }

        // A relative path would depend on where each server happens to be started.
        return Path.IsPathFullyQualified(FilePath(entry)) ? AnchorKind.File : null;
    }

    private static string FilePath(string entry) => entry.StartsWith("file:", StringComparison.Ordinal) ? entry["file:".Length..] : entry;

    private enum AnchorKind
    {
        Stderr,
        Syslog,
        Webhook,
        File,
    }
}
