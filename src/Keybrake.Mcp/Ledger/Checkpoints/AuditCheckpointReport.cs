namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>The outcome of checking a chain against signed checkpoints: how many agree and the latest, or the first that does not.</summary>
public sealed record AuditCheckpointReport(int Checked, AuditCheckpoint? Latest, long ChainEnd, string KeyId, AuditCheckpointBreak? Break)
{
    public bool Ok => Break is null;

    public override string ToString() =>
        Break?.ToString() ?? (Latest is not { } latest
            ? "checkpoints: none to check"
            : $"checkpoints ok: {Checked} signed by key {KeyId} agree with the chain, the latest at seq {latest.Seq} ({AuditRecordJson.Time(latest.Time)})" +
              (ChainEnd > latest.Seq ? $"; {ChainEnd - latest.Seq} later event(s) not checkpointed yet" : ""));
}

/// <summary>The first checkpoint that disagrees: its line in the checkpoints file (0: the file as a whole), the seq it names, and what is wrong.</summary>
public sealed record AuditCheckpointBreak(long Line, long? Seq, string Problem)
{
    public override string ToString() => (Line, Seq) switch
    {
        (0, _) => $"checkpoints broken: {Problem}",
        (_, { } seq) => $"broken at checkpoint line {Line} (seq {seq}): {Problem}",
        _ => $"broken at checkpoint line {Line}: {Problem}",
    };
}
