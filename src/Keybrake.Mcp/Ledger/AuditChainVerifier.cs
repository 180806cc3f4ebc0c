using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Recomputes the audit chain event by event (seq contiguous from 1, each prev_hash the previous hash, each hash
/// over prev_hash and content) and, given the audit rows, checks that each row equals the content of its latest event.
/// </summary>
public sealed class AuditChainVerifier
{
    private readonly Dictionary<string, (long Seq, string Content)> _latest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recordCalls = new(StringComparer.Ordinal);
    private AuditChainBreak? _chainBreak;
    private AuditChainBreak? _recordBreak;
    private long _linked;
    private string _head = AuditChainContent.Genesis;
    private int _records;

    /// <summary>True once the chain itself is broken; later events cannot be trusted.</summary>
    public bool Broken => _chainBreak is not null;

    /// <summary>Adds the next event in chain order; <paramref name="line"/> is its line in an export.</summary>
    public void Add(AuditChainEvent e, long? line = null)
    {
        if (_chainBreak is null)
        {
            if (Link(e) is { } problem)
            {
                _chainBreak = new AuditChainBreak(e.Seq, e.CallId, line, problem);
            }
            else
            {
                _linked++;
                _head = e.Hash;
            }
        }

        // Tracked past a break too, so a record is compared with its true latest event, not an older one.
        _latest[e.CallId] = (e.Seq, e.Content);
    }

    /// <summary>Marks an export line that is not an event at all as the chain's break (unless it broke earlier).</summary>
    public void Reject(long line, string problem) => _chainBreak ??= new AuditChainBreak(null, null, line, problem);

    /// <summary>Checks one audit row, as it is now, against the latest event of its call. Call after every event was added.</summary>
    public void AddRecord(AuditRecord record)
    {
        _records++;
        _recordCalls.Add(record.CallId);
        var content = AuditChainContent.Of(record);
        if (!_latest.TryGetValue(record.CallId, out var latest))
        {
            Consider(new AuditChainBreak(null, record.CallId, null, $"audit record {record.Id} has no chain event"));
        }
        else if (latest.Content != content)
        {
            Consider(new AuditChainBreak(latest.Seq, record.CallId, null,
                $"audit record {record.Id} differs from its latest event in {Differences(latest.Content, content)}"));
        }
    }

    /// <summary>The report; <paramref name="withRecords"/> says the audit rows were given, so events of missing rows break it too.</summary>
    public AuditChainReport Finish(bool withRecords)
    {
        if (withRecords)
        {
            foreach (var (callId, latest) in _latest.Where(p => !_recordCalls.Contains(p.Key)))
            {
                Consider(new AuditChainBreak(latest.Seq, callId, null, "its audit record is missing"));
            }
        }

        // A record only counts as the first break if its event comes before the chain's own break.
        var first = _recordBreak is not null && (_chainBreak is null || Position(_recordBreak) < Position(_chainBreak)) ? _recordBreak : _chainBreak;
        return new AuditChainReport(_linked, withRecords ? _records : _latest.Count, _head, first);
    }

    private string? Link(AuditChainEvent e)
    {
        var expected = _linked + 1;
        if (e.Seq != expected)
        {
            return e.Seq > expected
                ? e.Seq == expected + 1 ? $"event seq {expected} is missing" : $"events seq {expected} to {e.Seq - 1} are missing"
                : $"seq {e.Seq} is out of order (expected {expected})";
        }

        if (e.PrevHash != _head)
        {
            return expected == 1 ? "prev_hash of the first event is not the genesis hash" : $"prev_hash is not the hash of event seq {expected - 1}";
        }

        return AuditChainContent.Hash(e.PrevHash, e.Content) == e.Hash ? null : "hash does not match its prev_hash and content";
    }

    private void Consider(AuditChainBreak candidate)
    {
        if (_recordBreak is null || Position(candidate) < Position(_recordBreak))
        {
            _recordBreak = candidate;
        }
    }

    private static long Position(AuditChainBreak b) => b.Seq ?? long.MaxValue;

    private static string Differences(string sealedContent, string currentContent)
    {
        try
        {
            var before = JsonNode.Parse(sealedContent)?.AsObject() ?? [];
            var after = JsonNode.Parse(currentContent)?.AsObject() ?? [];
            var fields = before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal)
                .Where(k => !JsonNode.DeepEquals(before[k], after[k]))
                .Order(StringComparer.Ordinal);
            return string.Join(", ", fields);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "content";
        }
    }
}
