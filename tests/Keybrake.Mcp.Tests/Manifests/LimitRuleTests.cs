using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Budgets and rate limits: fields, money exactness and one limit per (per, window[, currency]).</summary>
public sealed class LimitRuleTests
{
    [Theory]
    [InlineData("budgets", "{}", "$.budgets", "\"budgets\" must be an array of objects")]
    [InlineData("budgets[0]", "\"500.00 USD\"", "$.budgets[0]", "a budget must be an object")]
    [InlineData("budgets[0].per", "\"team\"", "$.budgets[0].per", "\"team\" is not a valid per: use one of agent, role")]
    [InlineData("budgets[0].per", null, "$.budgets[0].per", "required field \"per\" is missing")]
    [InlineData("budgets[0].window", "\"daily\"", "$.budgets[0].window", "use one of minute, hour, day, week, month, total")]
    [InlineData("budgets[0].window", "\"weak\"", "$.budgets[0].window", "(did you mean \"week\"?)")]
    [InlineData("budgets[0].limit", null, "$.budgets[0].limit", "required field \"limit\" is missing")]
    [InlineData("budgets[1].limit", "\"400.0.0 USD\"", "$.budgets[1].limit", "\"400.0.0 USD\" is not money")]
    [InlineData("budgets[1].limit", "\"400.0.0 USD\"", "$.budgets[1].limit", "write \"<amount> <currency>\"")]
    [InlineData("budgets[1].limit", "\"5.12 JPY\"", "$.budgets[1].limit", "JPY has no minor unit")]
    [InlineData("budgets[1].limit", "\"500\"", "$.budgets[1].limit", "e.g. \"500.00 USD\"")]
    [InlineData("budgets[1].limit", "500", "$.budgets[1].limit", "\"limit\" must be a money string, not a number")]
    [InlineData("budgets[0].shadow", "\"true\"", "$.budgets[0].shadow", "\"shadow\" must be true or false")]
    [InlineData("budgets[1].per", "\"agent\"", "$.budgets[1]", "duplicate budget: $.budgets[0] already caps the agent day in USD")]
    [InlineData("rateLimits", "{}", "$.rateLimits", "\"rateLimits\" must be an array of objects")]
    [InlineData("rateLimits[0].calls", "0", "$.rateLimits[0].calls", "\"calls\" must be at least 1, not 0")]
    [InlineData("rateLimits[0].calls", "2.5", "$.rateLimits[0].calls", "\"calls\" must be a whole number")]
    [InlineData("rateLimits[0].calls", "\"30\"", "$.rateLimits[0].calls", "must be a whole number of at least 1, not a string")]
    [InlineData("rateLimits[0].calls", null, "$.rateLimits[0].calls", "required field \"calls\" is missing")]
    [InlineData("rateLimits[0].window", "\"fortnight\"", "$.rateLimits[0].window", "is not a valid window")]
    [InlineData("rateLimits[0].per", "\"everyone\"", "$.rateLimits[0].per", "is not a valid per")]
    public void Reports_the_broken_limit_at_its_path(string edit, string? value, string path, string fragment)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With(edit, value));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), path, fragment);
    }

    [Fact]
    public void Budgets_in_different_currencies_or_windows_are_not_duplicates()
    {
        using var dir = new TempManifestDirectory();
        dir.Write(
            "alpha",
            ValidManifest.For("alpha").With(
                "budgets",
                """
                [
                  { "per": "agent", "window": "day", "limit": "500.00 USD" },
                  { "per": "agent", "window": "day", "limit": "50000 JPY" },
                  { "per": "agent", "window": "week", "limit": "2000.00 USD" },
                  { "per": "role", "window": "day", "limit": "5.120 KWD", "shadow": true }
                ]
                """));

        ManifestAssert.Clean(dir.Load());
    }

    [Fact]
    public void A_second_rate_limit_on_the_same_window_is_a_duplicate()
    {
        using var dir = new TempManifestDirectory();
        dir.Write(
            "alpha",
            ValidManifest.For("alpha").With(
                "rateLimits",
                """[ { "per": "agent", "calls": 30, "window": "minute" }, { "per": "agent", "calls": 10, "window": "minute", "shadow": true } ]"""));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$.rateLimits[1]", "duplicate rate limit: $.rateLimits[0]");
    }
}
