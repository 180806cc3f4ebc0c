using Keybrake.Mcp.Money;
using Xunit;

namespace Keybrake.Mcp.Tests.Money;

public sealed class MoneyAmountTests
{
    [Theory]
    [InlineData("500 USD", 50000, "USD")]
    [InlineData("500.00 USD", 50000, "USD")]
    [InlineData("0.5 USD", 50, "USD")]
    [InlineData("0.05 USD", 5, "USD")]
    [InlineData("500 JPY", 500, "JPY")]
    [InlineData("5.120 KWD", 5120, "KWD")]
    [InlineData("5.1 KWD", 5100, "KWD")]
    [InlineData("5 KWD", 5000, "KWD")]
    public void Parses_to_minor_units_with_the_currency_exponent(string text, long minor, string currency)
    {
        Assert.True(MoneyAmount.TryParse(text, out var amount, out var error), error);
        Assert.Equal(minor, amount.Minor);
        Assert.Equal(currency, amount.Currency.Code);
    }

    [Theory]
    [InlineData("5.12 JPY", "JPY has no minor unit")]
    [InlineData("1.2345 USD", "USD has 2 decimal places")]
    [InlineData("5.1234 KWD", "KWD has 3 decimal places")]
    [InlineData("500", "is not money")]
    [InlineData("500 usd", "upper-case ISO currency code")]
    [InlineData("5.00 US", "upper-case ISO currency code")]
    [InlineData("-5.00 USD", "not a non-negative decimal")]
    [InlineData("5. USD", "not a non-negative decimal")]
    [InlineData(".5 USD", "not a non-negative decimal")]
    [InlineData("1,000.00 USD", "not a non-negative decimal")]
    [InlineData("400.0.0 USD", "not a non-negative decimal")]
    [InlineData("", "is not money")]
    public void Rejects_inexact_or_malformed_amounts(string text, string reason)
    {
        Assert.False(MoneyAmount.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData(50000, "USD", "500.00 USD")]
    [InlineData(5, "USD", "0.05 USD")]
    [InlineData(-150, "USD", "-1.50 USD")]
    [InlineData(500, "JPY", "500 JPY")]
    [InlineData(5120, "KWD", "5.120 KWD")]
    [InlineData(7, "KWD", "0.007 KWD")]
    public void Formats_with_the_currency_exponent(long minor, string currency, string expected) =>
        Assert.Equal(expected, MoneyAmount.Format(minor, Currency.Get(currency)));

    [Theory]
    [InlineData("200.00 USD")]
    [InlineData("10000 JPY")]
    [InlineData("5.120 KWD")]
    public void Format_round_trips_parse(string text) =>
        Assert.Equal(text, MoneyAmount.Parse(text).ToString());

    [Fact]
    public void Parse_throws_with_the_reason() =>
        Assert.Contains("JPY has no minor unit", Assert.Throws<FormatException>(() => MoneyAmount.Parse("5.12 JPY")).Message);
}
