using System.Security.Cryptography;
using System.Text;
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

    /// <summary>Canonical text of any JSON value (see <see cref="CanonicalJson"/>).</summary>
    public static string Canonicalize(JsonNode? node) => CanonicalJson.Of(node);

    /// <summary>Lowercase hex SHA-256 of <c>prev_hash + "\n" + content</c>.</summary>
    public static string Hash(string prevHash, string content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prevHash + "\n" + content)));
}
