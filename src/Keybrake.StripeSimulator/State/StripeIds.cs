using System.Security.Cryptography;

namespace Keybrake.StripeSimulator.State;

/// <summary>
/// Generates identifiers shaped like Stripe's, in several shapes in turn: Stripe's ids are opaque and their length and
/// format change (API upgrades may even add or drop prefixes), so clients tested against one shape learn a false rule.
/// </summary>
internal static class StripeIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>The longest id Stripe may issue.</summary>
    public const int MaxLength = 255;

    private static int _next = -1;

    /// <summary>
    /// A new id: <paramref name="prefix"/>, an underscore and random letters and digits, in one of these shapes in turn:
    /// the usual <paramref name="length"/> characters, underscores inside, or a long id (over a hundred characters).
    /// </summary>
    public static string New(string prefix, int length = 24)
    {
        var shape = (uint)Interlocked.Increment(ref _next) % 3;
        return shape switch
        {
            1 => $"{prefix}_{Random(8)}_{Random(6)}_{Random(Math.Max(4, length - 16))}",
            2 => $"{prefix}_{Random(Math.Min(MaxLength - prefix.Length - 1, 5 * length))}",
            _ => $"{prefix}_{Random(length)}",
        };
    }

    private static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);
}
