using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Tool entries: per-tool fields, money, allowlists, ranges, and the currency the role's budgets cover.</summary>
public sealed class ToolGrantRuleTests
{
    [Theory]
    [InlineData("tools.issue_refund", "true", "$.tools.issue_refund", "write {} to allow it with no constraints")]
    [InlineData("tools.issue_refund.maxAmount", "\"400.0.0 USD\"", "$.tools.issue_refund.maxAmount", "\"400.0.0 USD\" is not money")]
    [InlineData("tools.issue_refund.maxAmount", "\"1.2345 USD\"", "$.tools.issue_refund.maxAmount", "USD has 2 decimal places")]
    [InlineData("tools.issue_refund.maxAmount", "\"0.00 USD\"", "$.tools.issue_refund.maxAmount", "must be above zero")]
    [InlineData("tools.issue_refund.maxAmount", "200", "$.tools.issue_refund.maxAmount", "must be a money string")]
    [InlineData("tools.issue_refund.approvalAbove", "\"300.00 USD\"", "$.tools.issue_refund.approvalAbove", "(300.00 USD) is above \"maxAmount\" (200.00 USD)")]
    [InlineData("tools.issue_refund.approvalAbove", "\"100.00 EUR\"", "$.tools.issue_refund.approvalAbove", "is in EUR but \"maxAmount\" is in USD")]
    [InlineData("tools.issue_refund.approvalAbove", "\"1.001 USD\"", "$.tools.issue_refund.approvalAbove", "USD has 2 decimal places")]
    [InlineData("tools.issue_refund.reasons", "[\"fraud\"]", "$.tools.issue_refund.reasons[0]", "\"fraud\" is not a Stripe refund reason")]
    [InlineData("tools.issue_refund.reasons", "[\"duplicat\"]", "$.tools.issue_refund.reasons[0]", "(did you mean \"duplicate\"?)")]
    [InlineData("tools.issue_refund.reasons", "[]", "$.tools.issue_refund.reasons", "\"reasons\" is empty")]
    [InlineData("tools.issue_refund.reasons", "[\"duplicate\", \"duplicate\"]", "$.tools.issue_refund.reasons[1]", "listed twice")]
    [InlineData("tools.issue_refund.reasons", "\"duplicate\"", "$.tools.issue_refund.reasons", "\"reasons\" must be an array")]
    [InlineData("tools.change_plan.prorationBehaviors", "[\"prorate\"]", "$.tools.change_plan.prorationBehaviors[0]", "is not a Stripe proration behavior")]
    [InlineData("tools.change_plan.prices", "[]", "$.tools.change_plan.prices", "\"prices\" is empty")]
    [InlineData("tools.change_plan.prices", "[\"plan gold\"]", "$.tools.change_plan.prices[0]", "\"plan gold\" is not a Stripe price id")]
    [InlineData("tools.change_plan.prices", "[\"price_x\\n\"]", "$.tools.change_plan.prices[0]", "\"price_x\\n\" is not a Stripe price id")]
    [InlineData("tools.change_plan.prices", "[\"price_a\", \"price_a\"]", "$.tools.change_plan.prices[1]", "listed twice")]
    [InlineData("tools.list_prices.maxPageSize", "0", "$.tools.list_prices.maxPageSize", "must be from 1 to 100")]
    [InlineData("tools.list_prices.maxPageSize", "101", "$.tools.list_prices.maxPageSize", "must be from 1 to 100, not 101")]
    [InlineData("tools.extend_trial.maxDays", "731", "$.tools.extend_trial.maxDays", "must be from 1 to 730")]
    [InlineData("tools.extend_trial.maxDays", "0", "$.tools.extend_trial.maxDays", "must be from 1 to 730")]
    [InlineData("tools.update_subscription_quantity.maxQuantity", "0", "$.tools.update_subscription_quantity.maxQuantity", "must be at least 1")]
    [InlineData("tools.get_customer.shadow", "\"no\"", "$.tools.get_customer.shadow", "must be true or false")]
    [InlineData("tools.issue_refund", "{\"maxAmount\": \"200.00 EUR\"}", "$.tools.issue_refund.maxAmount", "the role could never move EUR")]
    [InlineData("tools.capture_payment_intent", "{\"maxAmount\": \"10000 JPY\"}", "$.tools.capture_payment_intent.maxAmount", "budgets are only in USD")]
    [InlineData("tools.pay_invoice", "{\"approvalAbove\": \"5.000 KWD\"}", "$.tools.pay_invoice.approvalAbove", "the role could never move KWD")]
    public void Reports_the_broken_constraint_at_its_path(string edit, string? value, string path, string fragment)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With(edit, value));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), path, fragment);
    }

    [Fact]
    public void Any_currency_is_fine_when_the_role_has_no_budgets()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With("budgets", null).With("tools.capture_payment_intent", "{\"maxAmount\": \"10000 JPY\"}"));

        ManifestAssert.Clean(dir.Load());
    }

    [Fact]
    public void A_currency_with_its_own_budget_is_fine()
    {
        using var dir = new TempManifestDirectory();
        dir.Write(
            "alpha",
            ValidManifest.For("alpha")
                .With("budgets[1]", "{ \"per\": \"role\", \"window\": \"day\", \"limit\": \"300000 JPY\" }")
                .With("tools.capture_payment_intent", "{\"maxAmount\": \"10000 JPY\", \"approvalAbove\": \"10000 JPY\"}"));

        ManifestAssert.Clean(dir.Load());
    }

    [Fact]
    public void A_broken_budget_does_not_also_raise_a_currency_error()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With("budgets[0].limit", "\"500.00 usd\"").With("budgets[1]", null));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$.budgets[0].limit", "upper-case ISO currency code");
    }

    [Fact]
    public void Stripe_ids_are_opaque_in_allowlists()
    {
        // The seed's own allowlist (customer_allowlist: ["cus_past_due_cohort_id_1", ...]), legacy plan ids used as
        // prices, and the longest id Stripe may issue.
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha")
            .With("customers", "[\"cus_past_due_cohort_id_1\", \"cus_past_due_cohort_id_2\", \"cus_" + new string('x', 251) + "\"]")
            .With("tools.change_plan.prices", "[\"basic-monthly\", \"price_1MoBy5LkdIwHu7ixZhnattbh\", \"plan.gold.v2\"]"));

        var result = dir.Load();

        ManifestAssert.Clean(result);
        var role = result.Set!.Roles["alpha"];
        Assert.Contains("cus_past_due_cohort_id_1", role.Customers!);
        Assert.Equal(["basic-monthly", "price_1MoBy5LkdIwHu7ixZhnattbh", "plan.gold.v2"], role.Tools["change_plan"].Prices!);
    }

    [Fact]
    public void An_id_over_255_characters_is_refused()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With("customers", "[\"cus_" + new string('x', 252) + "\"]"));

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$.customers[0]", "(256 characters)\" is not a Stripe customer id");
    }
}
