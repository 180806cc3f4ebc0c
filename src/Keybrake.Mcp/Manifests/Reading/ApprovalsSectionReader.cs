using System.Globalization;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>approvals</c>: who approves calls above a tool's <c>approvalAbove</c>, and how long a request waits.</summary>
internal static class ApprovalsSectionReader
{
    public static ApprovalSettings Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        if (node is not { } n || ObjectReader.Open(n, ManifestFields.Approvals, diagnostics, "\"approvals\"") is not { } approvals)
        {
            return new ApprovalSettings();
        }

        var via = ManifestValues.OneOf(approvals.Optional("via"), ManifestNames.Channels, diagnostics, "via");
        var expiresAfter = Duration(approvals.Optional("expiresAfter"), diagnostics);
        return new ApprovalSettings(via ?? ApprovalChannel.Operator, expiresAfter);
    }

    private static TimeSpan? Duration(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var text = ManifestValues.Matching(
            node,
            ManifestPatterns.DurationRegex(),
            diagnostics,
            "duration",
            "write a whole number and a unit s, m, h or d, e.g. \"30s\", \"15m\", \"1h\", \"2d\"");
        if (text is null)
        {
            return null;
        }

        var value = int.Parse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture);
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => TimeSpan.FromDays(value),
        };
    }
}
