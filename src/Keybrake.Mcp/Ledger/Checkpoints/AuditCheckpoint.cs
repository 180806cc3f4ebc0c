using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// A signed statement that the audit chain's event <paramref name="Seq"/> had hash <paramref name="Head"/> at
/// <paramref name="Time"/>. That hash commits to every event up to it, so no earlier event can change, nor the chain end
/// before it, without the checkpoint disagreeing. One JSON object per line in a checkpoints file.
/// </summary>
public sealed record AuditCheckpoint(long Seq, string Head, DateTimeOffset Time, string KeyId, string Signature)
{
    /// <summary>The <c>type</c> of every checkpoint: signed with it, so a signature made for anything else never passes as one.</summary>
    public const string Type = "keybrake.audit.checkpoint.v1";

    /// <summary>
    /// The bytes the signature covers: the line's fields but <c>signature</c>, as canonical JSON (keys sorted, no
    /// spaces), which is what <c>jq -cjS 'del(.signature)'</c> prints for a line.
    /// </summary>
    public static byte[] SignedBytes(long seq, string head, DateTimeOffset time, string keyId)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("head", head);
            w.WriteString("key_id", keyId);
            w.WriteNumber("seq", seq);
            w.WriteString("time", AuditRecordJson.Time(time));
            w.WriteString("type", Type);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Signs the head of a chain: its last event's seq and hash (seq 0 and the genesis hash for an empty chain).</summary>
    public static AuditCheckpoint Sign(AuditSigningKey key, long seq, string head, DateTimeOffset time)
    {
        // Milliseconds, as the line carries the time: the signed text must be what a verifier rebuilds from the line.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
        var keyId = key.Public.KeyId;
        return new AuditCheckpoint(seq, head, at, keyId, Convert.ToBase64String(key.Sign(SignedBytes(seq, head, at, keyId))));
    }

    /// <summary>The bytes this checkpoint's signature should cover.</summary>
    public byte[] SignedBytes() => SignedBytes(Seq, Head, Time, KeyId);

    /// <summary>Whether <paramref name="key"/> signed exactly these fields.</summary>
    public bool IsSignedBy(AuditVerifyingKey key)
    {
        var signature = new byte[Signature.Length];
        return Convert.TryFromBase64String(Signature, signature, out var length) && key.Verifies(SignedBytes(), signature.AsSpan(0, length));
    }

    /// <summary>The checkpoint as one line of a checkpoints file.</summary>
    public string ToLine()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        // Relaxed escaping only keeps base64's '+' readable; every value is ASCII.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", Type);
            w.WriteNumber("seq", Seq);
            w.WriteString("head", Head);
            w.WriteString("time", AuditRecordJson.Time(Time));
            w.WriteString("key_id", KeyId);
            w.WriteString("signature", Signature);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a line; null with <paramref name="problem"/> when it is not a checkpoint (its signature is not checked here).</summary>
    public static AuditCheckpoint? Parse(string line, out string problem)
    {
        try
        {
            var obj = JsonNode.Parse(line)?.AsObject() ?? throw new FormatException("null");
            // Only the signed fields and the signature, each in the one form signing writes: a line that says more, or
            // says the same differently, is not the line that was signed (and an openssl check of it would fail).
            if (obj.Select(p => p.Key).FirstOrDefault(k => !Fields.Contains(k)) is { } extra)
            {
                throw new FormatException($"unexpected field '{extra}'");
            }

            if (Text(obj, "type") != Type)
            {
                throw new FormatException($"type is not {Type}");
            }

            var seq = Required(obj, "seq").GetValue<long>();
            var head = Text(obj, "head");
            if (seq < 0 || head.Length != 64 || !head.All(char.IsAsciiHexDigitLower))
            {
                throw new FormatException("seq must be 0 or more and head 64 lowercase hex digits");
            }

            var timeText = Text(obj, "time");
            var time = DateTimeOffset.Parse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            if (AuditRecordJson.Time(time) != timeText)
            {
                throw new FormatException($"time '{timeText}' is not written as checkpoints write it (UTC, milliseconds, 'Z')");
            }

            var signature = Text(obj, "signature");
            if (signature.Any(char.IsWhiteSpace))
            {
                throw new FormatException("the signature contains white space");
            }

            problem = "";
            return new AuditCheckpoint(seq, head, time, Text(obj, "key_id"), signature);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            problem = $"not a checkpoint ({ex.Message})";
            return null;
        }
    }

    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "type", "seq", "head", "time", "key_id", "signature" };

    private static string Text(JsonObject obj, string name) => Required(obj, name).GetValue<string>();

    private static JsonNode Required(JsonObject obj, string name) => obj[name] ?? throw new FormatException($"no '{name}'");
}
