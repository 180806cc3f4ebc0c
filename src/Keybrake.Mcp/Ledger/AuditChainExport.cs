using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The audit chain as JSON lines (<c>seq</c>, <c>call_id</c>, <c>at</c>, <c>content</c> as an object, <c>prev_hash</c>,
/// <c>hash</c>), and its verification without any database.
/// </summary>
public static class AuditChainExport
{
    /// <summary>One event as an export line.</summary>
    public static string ToLine(AuditChainEvent e) => new JsonObject
    {
        ["seq"] = e.Seq,
        ["call_id"] = e.CallId,
        ["at"] = AuditRecordJson.Time(DateTimeOffset.FromUnixTimeMilliseconds(e.AtMs)),
        ["content"] = JsonNode.Parse(e.Content),
        ["prev_hash"] = e.PrevHash,
        ["hash"] = e.Hash,
    }.ToJsonString();

    /// <summary>Verifies an export; a break names its line. Records are the distinct calls the export covers.</summary>
    /// <param name="observe">Also given each event read, in order (a checkpoint check rides along the one read of the file).</param>
    public static async Task<AuditChainReport> VerifyAsync(TextReader reader, CancellationToken ct, Action<AuditChainEvent>? observe = null)
    {
        var verifier = new AuditChainVerifier();
        long lineNumber = 0;
        while (!verifier.Broken && await reader.ReadLineAsync(ct) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (Parse(line, out var problem) is { } e)
            {
                verifier.Add(e, lineNumber);
                observe?.Invoke(e);
            }
            else
            {
                verifier.Reject(lineNumber, problem);
            }
        }

        return verifier.Finish(withRecords: false);
    }

    private static AuditChainEvent? Parse(string line, out string problem)
    {
        try
        {
            var obj = JsonNode.Parse(line)?.AsObject() ?? throw new FormatException("null");
            // Re-canonicalized from the object: the hash was taken over exactly this canonical text.
            var content = AuditChainContent.Canonicalize(obj["content"] ?? throw new FormatException("no 'content'"));
            problem = "";
            return new AuditChainEvent(
                Required(obj, "seq").GetValue<long>(),
                Required(obj, "call_id").GetValue<string>(),
                DateTimeOffset.Parse(Required(obj, "at").GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
                content,
                Required(obj, "prev_hash").GetValue<string>(),
                Required(obj, "hash").GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            problem = $"not a chain event ({ex.Message})";
            return null;
        }
    }

    private static JsonNode Required(JsonObject obj, string name) => obj[name] ?? throw new FormatException($"no '{name}'");
}
