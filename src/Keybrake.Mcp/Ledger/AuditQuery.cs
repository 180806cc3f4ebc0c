namespace Keybrake.Mcp.Ledger;

/// <summary>Filter for reading the audit log.</summary>
public sealed record AuditQuery(string? Agent = null, DateTimeOffset? Since = null, int? Limit = null)
{
    public string? Tool { get; init; }

    public string? Outcome { get; init; }

    /// <summary>Only records before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Whether to read each record's latest chain hash (the table view does not show it).</summary>
    public bool WithHashes { get; init; } = true;

    /// <summary>Whether to read each record's arguments and stored result, the bulk of a row (the table view shows neither).</summary>
    public bool WithPayloads { get; init; } = true;
}
