using System.Security.Cryptography;

namespace Keybrake.StripeSimulator.State;

/// <summary>Generates identifiers shaped like Stripe's (prefix, underscore, 24 alphanumerics).</summary>
internal static class StripeIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(string prefix, int length = 24) =>
        prefix + "_" + RandomNumberGenerator.GetString(Alphabet, length);
}
