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
    public static string Of(AuditRecord record) => Canonicalize(AuditRecordJson.Fields(record));

    /// <summary>
    /// Canonical text of any JSON value. Idempotent (parsing the output and canonicalizing again gives the same text),
    /// which is what lets an export carry content as an object and still be verified offline.
    /// </summary>
    public static string Canonicalize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Lowercase hex SHA-256 of <c>prev_hash + "\n" + content</c>.</summary>
    public static string Hash(string prevHash, string content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prevHash + "\n" + content)));

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
