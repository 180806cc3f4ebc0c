namespace Keybrake.Mcp.Ledger;

/// <summary>The outcome of verifying an audit chain: its size and head, or the first place it is broken.</summary>
public sealed record AuditChainReport(long Events, int Records, string Head, AuditChainBreak? Break)
{
    public bool Ok => Break is null;

    public override string ToString() => Break?.ToString() ?? $"ok: {Events} events, {Records} records, head {Head}";
}

/// <summary>Where an audit chain is broken: an event (by seq, and by line in an export), or a record no event seals.</summary>
public sealed record AuditChainBreak(long? Seq, string? CallId, long? Line, string Problem)
{
    public override string ToString()
    {
        var call = CallId is null ? "" : $"call {CallId}";
        return (Line, Seq) switch
        {
            ({ } line, { } seq) => $"broken at line {line} (event seq {seq}, {call}): {Problem}",
            ({ } line, null) => $"broken at line {line}: {Problem}",
            (null, { } seq) => $"broken at event seq {seq} ({call}): {Problem}",
            _ => $"broken at {call}: {Problem}",
        };
    }
}
