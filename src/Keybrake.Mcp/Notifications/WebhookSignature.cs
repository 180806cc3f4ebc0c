using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Keybrake.Mcp.Notifications;

/// <summary>
/// The <c>Keybrake-Signature</c> header, Stripe's webhook scheme: <c>t=UNIX_SECONDS,v1=HEX</c> where HEX is
/// HMAC-SHA256 with the endpoint's secret over <c>"{t}.{body}"</c>. The timestamp is signed so a captured request
/// cannot be replayed later: receivers reject an old <c>t</c>.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Keybrake-Signature";
    public const string EventIdHeader = "Keybrake-Event-Id";

    /// <summary>The header's value for this body, signed at <paramref name="at"/>.</summary>
    public static string Sign(string secret, DateTimeOffset at, string body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Hex(secret, t, body)}";
    }

    /// <summary>
    /// Whether the header signs this body with this secret, no more than <paramref name="tolerance"/> from
    /// <paramref name="now"/>: what a receiver checks, compared in constant time.
    /// </summary>
    public static bool Verify(string? header, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        string? t = null;
        var signatures = new List<string>();
        foreach (var part in (header ?? "").Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair is ["t", var value])
            {
                t = value;
            }
            else if (pair is ["v1", var signature])
            {
                signatures.Add(signature);
            }
        }

        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Hex(secret, t, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }

    private static string Hex(string secret, string t, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}")));
}
