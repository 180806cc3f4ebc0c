using System.Globalization;

namespace Keybrake.Mcp.Money;

/// <summary>An exact amount of money in a currency's minor units (cents, yen, fils). Never a floating-point number.</summary>
public readonly record struct MoneyAmount(long Minor, Currency Currency)
{
    /// <summary>
    /// Parses the manifest form <c>"&lt;decimal&gt; &lt;ISO currency&gt;"</c>, e.g. <c>"500.00 USD"</c>, <c>"500 JPY"</c>,
    /// <c>"5.120 KWD"</c>. Digits beyond the currency's exponent are an error, never rounded.
    /// </summary>
    public static bool TryParse(string? text, out MoneyAmount amount, out string error)
    {
        amount = default;
        error = "";
        var parts = (text ?? "").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            error = $"'{text}' is not money: write \"<amount> <currency>\", e.g. \"500.00 USD\"";
            return false;
        }

        if (Currency.TryGet(parts[1]) is not { } currency || parts[1] != parts[1].ToUpperInvariant())
        {
            error = $"'{parts[1]}' is not an upper-case ISO currency code (e.g. USD, EUR, JPY)";
            return false;
        }

        var number = parts[0];
        var dot = number.IndexOf('.');
        var whole = dot < 0 ? number : number[..dot];
        var fraction = dot < 0 ? "" : number[(dot + 1)..];
        if (whole.Length == 0 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || (dot >= 0 && fraction.Length == 0))
        {
            error = $"'{number}' is not a non-negative decimal amount";
            return false;
        }

        if (fraction.Length > currency.Exponent)
        {
            error = currency.Exponent == 0
                ? $"{currency.Code} has no minor unit: '{number}' must be a whole number"
                : $"{currency.Code} has {currency.Exponent} decimal places: '{number}' has {fraction.Length}";
            return false;
        }

        var digits = whole + fraction.PadRight(currency.Exponent, '0');
        if (digits.Length > 15 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            error = $"'{number}' is too large";
            return false;
        }

        amount = new MoneyAmount(minor, currency);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the reason.</summary>
    public static MoneyAmount Parse(string text) =>
        TryParse(text, out var amount, out var error) ? amount : throw new FormatException(error);

    /// <summary>Formats minor units for people: <c>"150.00 USD"</c>, <c>"500 JPY"</c>, <c>"5.120 KWD"</c>.</summary>
    public static string Format(long minor, Currency currency) => $"{FormatNumber(minor, currency)} {currency.Code}";

    /// <summary>The number alone, for "420.00 of 500.00 USD": <c>"420.00"</c>.</summary>
    public static string FormatNumber(long minor, Currency currency)
    {
        if (currency.Exponent == 0)
        {
            return minor.ToString(CultureInfo.InvariantCulture);
        }

        var sign = minor < 0 ? "-" : "";
        var abs = Math.Abs(minor);
        var scale = currency.Exponent == 3 ? 1000L : 100L;
        var fraction = (abs % scale).ToString(CultureInfo.InvariantCulture).PadLeft(currency.Exponent, '0');
        return $"{sign}{(abs / scale).ToString(CultureInfo.InvariantCulture)}.{fraction}";
    }

    public override string ToString() => Format(Minor, Currency);
}
