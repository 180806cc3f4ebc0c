namespace Keybrake.Mcp.Money;

/// <summary>An ISO 4217 currency and the number of minor-unit digits Stripe uses for it.</summary>
public sealed record Currency(string Code, int Exponent)
{
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BHD", "JOD", "KWD", "OMR", "TND",
    };

    /// <summary>Stripe's minor-unit multiple for amounts in this currency (1 for most, 100 for ISK, 10 for three-decimal).</summary>
    public long AmountStep => Code switch
    {
        // ISK is zero-decimal for people but Stripe takes it with two decimals, divisible by 100.
        "ISK" => 100,
        _ when Exponent == 3 => 10,
        _ => 1,
    };

    /// <summary>Returns the currency for a three-letter code, or null when the code is not three ASCII letters.</summary>
    public static Currency? TryGet(string? code)
    {
        if (code is not { Length: 3 } || !code.All(char.IsAsciiLetter))
        {
            return null;
        }

        var upper = code.ToUpperInvariant();
        var exponent = ZeroDecimal.Contains(upper) ? 0 : ThreeDecimal.Contains(upper) ? 3 : 2;
        return new Currency(upper, exponent);
    }

    /// <summary>Returns the currency for a code Stripe sent (lower case), failing loudly on garbage.</summary>
    public static Currency Get(string code) =>
        TryGet(code) ?? throw new ArgumentException($"'{code}' is not an ISO currency code.", nameof(code));

    public override string ToString() => Code;
}
