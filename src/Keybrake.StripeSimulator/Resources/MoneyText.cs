using System.Globalization;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Formats minor-unit amounts the way Stripe's error messages do, e.g. "$15.00".</summary>
internal static class MoneyText
{
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.Ordinal)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.Ordinal) { "bhd", "jod", "kwd", "omr", "tnd" };

    public static string Format(long amount, string currency)
    {
        var decimals = ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;
        var major = (amount / (decimal)Math.Pow(10, decimals)).ToString("N" + decimals, CultureInfo.InvariantCulture);
        return currency switch
        {
            "usd" => "$" + major,
            "eur" => "€" + major,
            "gbp" => "£" + major,
            "jpy" => "¥" + major,
            _ => major + " " + currency.ToUpperInvariant(),
        };
    }
}
