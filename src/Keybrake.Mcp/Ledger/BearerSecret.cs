using System.Security.Cryptography;
using System.Text;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The shape every secret the ledger hands out shares: <c>&lt;prefix&gt;&lt;id&gt;_&lt;secret&gt;</c>. The id finds the row;
/// only the SHA-256 of the whole value is stored and it is compared in constant time.
/// </summary>
internal static class BearerSecret
{
    private const int MaxLength = 128;

    /// <summary>A new id and secret value with this prefix.</summary>
    public static (string Id, string Value) New(string prefix)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        return (id, $"{prefix}{id}_{Base64Url(RandomNumberGenerator.GetBytes(32))}");
    }

    /// <summary>The id a presented value claims, or null when it is not of this prefix's shape.</summary>
    public static string? IdOf(string? presented, string prefix)
    {
        if (presented is null || presented.Length > MaxLength || !presented.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var separator = presented.IndexOf('_', prefix.Length);
        return separator < 0 ? null : presented[prefix.Length..separator];
    }

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Whether a presented value hashes to the stored hash, in time independent of where they differ.</summary>
    public static bool Matches(string storedHash, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(Hash(presented)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '-');
}
