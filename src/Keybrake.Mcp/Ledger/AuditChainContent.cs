using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Canonical JSON (keys sorted ordinally, no whitespace) and the link hash of the audit chain. Writer and verifiers
/// use only this class, so a record's sealed content and its re-computation can never drift apart.
/// </summary>
public static class AuditChainContent
{
    /// <summary>The <c>prev_hash</c> of the first event.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The canonical content of a record as it is after a write.</summary>
    /// <remarks>
    /// Equal to <c>Canonicalize(AuditRecordJson.Fields(record))</c>, written field by field in key order instead: this runs
    /// for every audit write.
    /// </remarks>
    public static string Of(AuditRecord r) => Prepare(r).WithId(r.Id);

    /// <summary>
    /// The content of a row not written yet, but for its id: built before the ledger's write transaction, so the
    /// one writer only puts the id in (its <see cref="PreparedContent.WithId"/> equals <see cref="Of"/>).
    /// </summary>
    public static PreparedContent Prepare(AuditRecord r)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        int beforeId;
        int afterId;
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("agent", r.Agent);
            WriteNumber(w, "amount", r.Amount);
            w.WritePropertyName("arguments");
            CanonicalJson.WriteText(w, r.Arguments);
            if (r.ArgumentsSha256 is { } sha256)
            {
                // Written only when set, like recurring_delta: rows sealed before these fields existed keep their content.
                w.WriteString("arguments_sha256", sha256);
            }

            if (r.Auth is { } auth)
            {
                w.WriteString("auth", auth);
            }

            w.WriteString("call_id", r.CallId);
            w.WriteString("code", r.Code);
            w.WriteString("currency", r.Currency?.ToLowerInvariant());
            WriteNumber(w, "duration_ms", r.DurationMs);
            w.Flush();
            beforeId = buffer.WrittenCount;
            // Any id: the text between the two marks is replaced (",\"id\":" and the number).
            w.WriteNumber("id", 0);
            w.Flush();
            afterId = buffer.WrittenCount;
            w.WriteString("idempotency_key", r.IdempotencyKey);
            w.WriteString("message", r.Message);
            w.WriteString("object", r.Object);
            w.WriteString("outcome", r.Outcome);
            if (r.RecurringDelta is { } delta)
            {
                w.WritePropertyName("recurring_delta");
                CanonicalJson.WriteText(w, delta.ToJson().ToJsonString());
            }

            w.WriteString("role", r.Role);
            w.WriteString("stripe_request_id", r.StripeRequestId);
            w.WriteString("time", AuditRecordJson.Time(r.Time));
            w.WriteString("tool", r.Tool);
            w.WriteEndObject();
        }

        var written = buffer.WrittenSpan;
        return new PreparedContent(Encoding.UTF8.GetString(written[..beforeId]), Encoding.UTF8.GetString(written[afterId..]));
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Canonical text of any JSON value (see <see cref="CanonicalJson"/>).</summary>
    public static string Canonicalize(JsonNode? node) => CanonicalJson.Of(node);

    /// <summary>Lowercase hex SHA-256 of <c>prev_hash + "\n" + content</c>.</summary>
    /// <remarks>Runs in the ledger's one writer for every row: encoded into a pooled buffer, not through concatenated copies.</remarks>
    public static string Hash(string prevHash, string content)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(prevHash.Length + 1 + content.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(prevHash, buffer);
            buffer[length++] = (byte)'\n';
            length += Encoding.UTF8.GetBytes(content, buffer.AsSpan(length));
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
