using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Top-level, stripe, agents, customers and approvals rules: one broken value, one error at its path.</summary>
public sealed class ManifestFieldRuleTests
{
    [Theory]
    [InlineData("role", null, "$.role", "required field \"role\" is missing")]
    [InlineData("role", "\"Alpha_X\"", "$.role", "\"Alpha_X\" is not a valid role")]
    [InlineData("role", "\"beta\"", "$.role", "does not match the file name \"alpha.json\"")]
    [InlineData("description", "5", "$.description", "\"description\" must be a string")]
    [InlineData("$schema", "true", "$.$schema", "\"$schema\" must be a string")]
    [InlineData("stripe", null, "$.stripe", "required field \"stripe\" is missing")]
    [InlineData("stripe", "\"KEY\"", "$.stripe", "\"stripe\" must be an object")]
    [InlineData("stripe.keyEnv", null, "$.stripe.keyEnv", "required field \"keyEnv\" is missing")]
    [InlineData("stripe.keyEnv", "\"stripe_key\"", "$.stripe.keyEnv", "\"stripe_key\" is not a valid keyEnv")]
    [InlineData("stripe.keyEnv", "\"rk_test_51AbC\"", "$.stripe.keyEnv", "looks like a Stripe key")]
    [InlineData("stripe.mode", null, "$.stripe.mode", "required field \"mode\" is missing")]
    [InlineData("stripe.mode", "\"prod\"", "$.stripe.mode", "\"prod\" is not a valid mode")]
    [InlineData("stripe.allowSecretKey", "\"yes\"", "$.stripe.allowSecretKey", "must be true or false")]
    [InlineData("agents", null, "$.agents", "required field \"agents\" is missing")]
    [InlineData("agents", "[]", "$.agents", "\"agents\" is empty")]
    [InlineData("agents", "\"alpha-bot\"", "$.agents", "\"agents\" must be an array")]
    [InlineData("agents", "[\"Alpha Bot\"]", "$.agents[0]", "\"Alpha Bot\" is not a valid agent name")]
    [InlineData("agents", "[\"a\", 7]", "$.agents[1]", "\"agents[1]\" must be a string")]
    [InlineData("agents", "[\"a\", \"a\"]", "$.agents[1]", "\"a\" is listed twice in \"agents\" (first at $.agents[0])")]
    [InlineData("tools", null, "$.tools", "required field \"tools\" is missing")]
    [InlineData("tools", "[]", "$.tools", "\"tools\" must be an object")]
    [InlineData("customers", "[\"cus_A\", \"-cus_B\"]", "$.customers[1]", "\"-cus_B\" is not a Stripe customer id")]
    [InlineData("customers", "[\"cus_A\", \"cus_B\\n\"]", "$.customers[1]", "\"cus_B\\n\" is not a Stripe customer id")]
    [InlineData("customers", "[]", "$.customers", "remove the field to allow any customer")]
    [InlineData("customers", "[\"cus_A\", \"cus_A\"]", "$.customers[1]", "listed twice")]
    [InlineData("approvals", "{\"via\": \"email\"}", "$.approvals.via", "\"email\" is not a valid via")]
    [InlineData("approvals", "{\"via\": \"Operator\"}", "$.approvals.via", "(did you mean \"operator\"?)")]
    [InlineData("approvals", "{\"expiresAfter\": \"15 minutes\"}", "$.approvals.expiresAfter", "is not a valid duration")]
    [InlineData("approvals", "{\"expiresAfter\": \"0m\"}", "$.approvals.expiresAfter", "e.g. \"30s\", \"15m\"")]
    [InlineData("approvals", "true", "$.approvals", "\"approvals\" must be an object")]
    public void Reports_the_broken_field_at_its_path(string edit, string? value, string path, string fragment)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With(edit, value));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), path, fragment);
    }

    [Theory]
    [InlineData("descripton", "\"x\"", "$.descripton", "unknown field \"descripton\" (did you mean \"description\"?)")]
    [InlineData("owner", "\"x\"", "$.owner", "unknown field \"owner\": allowed in a role manifest: $schema, role,")]
    [InlineData("stripe.key", "\"X\"", "$.stripe.key", "unknown field \"key\"")]
    [InlineData("stripe.KeyEnv", "\"X\"", "$.stripe.KeyEnv", "(did you mean \"keyEnv\"?)")]
    [InlineData("budgets[0].currency", "\"USD\"", "$.budgets[0].currency", "allowed in a budget: per, window, limit, shadow")]
    [InlineData("rateLimits[0].burst", "5", "$.rateLimits[0].burst", "allowed in a rate limit: per, calls, window, shadow")]
    [InlineData("approvals", "{\"timeout\": \"1m\"}", "$.approvals.timeout", "allowed in \"approvals\": via, expiresAfter")]
    [InlineData("tools.issue_refund.maxAmmount", "\"1.00 USD\"", "$.tools.issue_refund.maxAmmount", "(did you mean \"maxAmount\"?)")]
    [InlineData("tools.get_customer.maxAmount", "\"1.00 USD\"", "$.tools.get_customer.maxAmount", "allowed in tool \"get_customer\": shadow")]
    [InlineData("tools.isue_refund", "{}", "$.tools.isue_refund", "unknown tool \"isue_refund\" (did you mean \"issue_refund\"?)")]
    [InlineData("tools.create_charge", "{}", "$.tools.create_charge", "unknown tool \"create_charge\"")]
    [InlineData("tools.weird key", "{}", "$.tools['weird key']", "unknown tool \"weird key\"")]
    public void Unknown_fields_and_tools_are_errors_listing_what_is_allowed(string edit, string value, string path, string fragment)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With(edit, value));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), path, fragment);
    }

    [Fact]
    public void A_repeated_field_is_an_error_because_parsers_disagree_on_which_wins()
    {
        using var dir = new TempManifestDirectory();
        var text = ValidManifest.For("alpha").ToJsonString().Replace("\"role\":\"alpha\"", "\"role\":\"alpha\",\"role\":\"alpha\"");
        dir.WriteRaw("alpha.json", text);

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$.role", "field \"role\" appears twice");
    }

    [Fact]
    public void A_manifest_that_is_not_an_object_is_an_error_at_the_root()
    {
        using var dir = new TempManifestDirectory();
        dir.WriteRaw("alpha.json", "[1, 2]");

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$", "a role manifest must be an object");
    }

    [Fact]
    public void Every_error_of_one_file_is_reported_not_only_the_first()
    {
        using var dir = new TempManifestDirectory();
        dir.Write(
            "alpha",
            ValidManifest.For("alpha")
                .With("stripe.mode", "\"prod\"")
                .With("budgets[1].limit", "\"400.0.0 USD\"")
                .With("tools.issue_refund.maxAmount", "\"1.2345 USD\"")
                .With("tools.isue_refund", "{}"));

        var result = dir.Load();

        var file = dir.FileOf("alpha");
        ManifestAssert.HasError(result, file, "$.stripe.mode", "\"prod\" is not a valid mode");
        ManifestAssert.HasError(result, file, "$.budgets[1].limit", "\"400.0.0 USD\" is not money");
        ManifestAssert.HasError(result, file, "$.tools.issue_refund.maxAmount", "USD has 2 decimal places");
        ManifestAssert.HasError(result, file, "$.tools.isue_refund", "unknown tool");
        Assert.Equal(4, result.Errors.Length);
    }
}
