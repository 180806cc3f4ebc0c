namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// Checks a chain against signed checkpoints: each must be signed by the given key, name a seq the chain still reaches,
/// and carry the hash the chain has at that seq. Fed the chain's events in order (from the ledger or an export), after
/// the chain itself verified: a chain that was cut or re-hashed verifies on its own, only the checkpoints catch it.
/// </summary>
public sealed class AuditCheckpointCheck
{
    private readonly AuditVerifyingKey _key;
    private readonly IReadOnlyList<AuditCheckpointLine> _lines;
    private readonly Dictionary<long, AuditChainEvent?> _named = [];
    private long _end;

    public AuditCheckpointCheck(AuditVerifyingKey key, IReadOnlyList<AuditCheckpointLine> lines)
    {
        _key = key;
        _lines = lines;
        foreach (var line in lines)
        {
            if (line.Checkpoint is { } checkpoint)
            {
                _named[checkpoint.Seq] = null;
            }
        }
    }

    /// <summary>Takes the next event of the chain; only those checkpoints name are kept.</summary>
    public void Observe(AuditChainEvent e)
    {
        _end = e.Seq;
        if (_named.ContainsKey(e.Seq))
        {
            _named[e.Seq] = e;
        }
    }

    /// <summary>The report once every event was observed: the file's own problems first (by line), then the lowest seq that disagrees.</summary>
    public AuditCheckpointReport Finish()
    {
        var valid = new List<(AuditCheckpointLine Line, AuditCheckpoint Checkpoint)>();
        foreach (var line in _lines)
        {
            if (Invalid(line) is { } broken)
            {
                return Report(valid.Count, null, broken);
            }

            valid.Add((line, line.Checkpoint!));
        }

        if (valid.Count == 0)
        {
            return Report(0, null, new AuditCheckpointBreak(0, null, "no checkpoints to check against"));
        }

        long agreed = 0;
        foreach (var (line, checkpoint) in valid.OrderBy(v => v.Checkpoint.Seq).ThenBy(v => v.Line.Line))
        {
            if (Disagreement(checkpoint, agreed) is { } problem)
            {
                return Report(valid.Count, null, new AuditCheckpointBreak(line.Line, checkpoint.Seq, problem));
            }

            agreed = checkpoint.Seq;
        }

        return Report(valid.Count, valid.MaxBy(v => (v.Checkpoint.Seq, v.Checkpoint.Time))!.Checkpoint, null);
    }

    private AuditCheckpointReport Report(int count, AuditCheckpoint? latest, AuditCheckpointBreak? broken) => new(count, latest, _end, _key.KeyId, broken);

    private AuditCheckpointBreak? Invalid(AuditCheckpointLine line)
    {
        if (line.Checkpoint is not { } checkpoint)
        {
            return new AuditCheckpointBreak(line.Line, null, line.Problem);
        }

        if (checkpoint.KeyId != _key.KeyId)
        {
            return new AuditCheckpointBreak(line.Line, checkpoint.Seq,
                $"signed by key {checkpoint.KeyId}, not by the public key given ({_key.KeyId}): a wrong key, or a checkpoint forged with another key");
        }

        return checkpoint.IsSignedBy(_key)
            ? null
            : new AuditCheckpointBreak(line.Line, checkpoint.Seq,
                $"its signature does not verify with key {_key.KeyId}: the checkpoint was altered or forged after signing");
    }

    private string? Disagreement(AuditCheckpoint checkpoint, long agreed)
    {
        var when = AuditRecordJson.Time(checkpoint.Time);
        if (checkpoint.Seq == 0)
        {
            return checkpoint.Head == AuditChainContent.Genesis ? null : "a checkpoint of the empty chain must name the genesis hash";
        }

        if (checkpoint.Seq > _end)
        {
            var removed = _end + 1 == checkpoint.Seq ? $"event seq {checkpoint.Seq} was" : $"events seq {_end + 1} to {checkpoint.Seq} were";
            return $"the chain ends at seq {_end}, but this checkpoint signed at {when} says it reached seq {checkpoint.Seq}: {removed} cut off its end";
        }

        // The chain verified, so its seqs run from 1 to its end without a gap: every seq up to the end was observed.
        var e = _named[checkpoint.Seq]!;
        if (e.Hash == checkpoint.Head)
        {
            return null;
        }

        // The head commits to every event before it, but does not say which one changed: only the span since the last agreeing checkpoint.
        var changed = agreed + 1 == checkpoint.Seq
            ? $"event seq {checkpoint.Seq} was changed"
            : $"an event from seq {agreed + 1} to {checkpoint.Seq} was changed and the chain re-hashed after it";
        return $"event seq {checkpoint.Seq} (call {e.CallId}) has hash {e.Hash}, but this checkpoint signed at {when} says {checkpoint.Head}: " +
               changed + (agreed > 0 ? $" (up to seq {agreed} the chain agrees with an earlier checkpoint)" : "");
    }
}
