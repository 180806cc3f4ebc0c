using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance.Rules;

/// <summary>The amount rules alone: no ledger, no Stripe, no pipeline.</summary>
public sealed class AmountRulesTests
{
    private static readonly RoleManifest Role = Roles.Refunds();
    private static readonly ToolGrant Capped = new() { MaxAmount = MoneyAmount.Parse("200.00 USD") };

    private static Resolution Moving(string amount) => new() { Moves = MoneyAmount.Parse(amount), Action = "refund", Describes = "payment intent pi_1" };

    [Fact]
    public void The_resolved_amount_up_to_maxAmount_passes()
    {
        Assert.Null(AmountRules.Check("issue_refund", Role, Capped, Moving("200.00 USD")));
    }

    [Fact]
    public void One_minor_unit_over_maxAmount_is_refused_with_the_numbers()
    {
        var denial = AmountRules.Check("issue_refund", Role, Capped, Moving("200.01 USD"));

        Assert.Equal(DenialCodes.NotAllowed, denial?.Code);
        Assert.Contains("refund of 200.01 USD is above issue_refund's maxAmount of 200.00 USD", denial!.Message);
        Assert.Contains("at most 20000 (minor units)", denial.Message);
    }

    [Fact]
    public void Another_currency_than_maxAmount_is_refused_without_conversion()
    {
        var denial = AmountRules.Check("issue_refund", Role, Capped, Moving("1.00 EUR"));

        Assert.Equal(DenialCodes.NotAllowed, denial?.Code);
        Assert.Contains("is in EUR, but issue_refund's maxAmount for role 'support-refunds' is in USD", denial!.Message);
    }

    [Fact]
    public void Without_maxAmount_a_currency_no_budget_counts_is_refused()
    {
        var denial = AmountRules.Check("issue_refund", Role, new ToolGrant(), Moving("1000 JPY"));

        Assert.Contains("has budgets only in USD (no conversion is made)", denial!.Message);
    }

    [Fact]
    public void A_call_that_moves_nothing_has_no_amount_to_refuse()
    {
        Assert.Null(AmountRules.Check("issue_refund", Role, Capped, new Resolution()));
    }

    [Fact]
    public void A_recurring_increase_above_the_cap_is_refused_and_one_at_the_cap_passes()
    {
        var grant = new ToolGrant { MaxRecurringIncrease = MoneyAmount.Parse("50.00 USD") };
        var usd = Currency.Get("usd");

        var over = AmountRules.Check("change_plan", Role, grant, new Resolution { RecurringDelta = new RecurringDelta(5001, usd, "month", 1), Action = "change" });
        var at = AmountRules.Check("change_plan", Role, grant, new Resolution { RecurringDelta = new RecurringDelta(5000, usd, "month", 1), Action = "change" });

        Assert.Contains("above change_plan's maxRecurringIncrease of 50.00 USD", over!.Message);
        Assert.Null(at);
    }

    [Fact]
    public void A_budget_refusal_says_used_and_held_apart()
    {
        var budget = new Budget(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("100.00 USD"));

        var denial = AmountRules.OverBudget(Moving("30.00 USD"), new BudgetUsage("support-refunds", "refund-bot", budget, SettledMinor: 6000, HeldMinor: 2500));

        Assert.Equal(DenialCodes.BudgetExceeded, denial.Code);
        Assert.Contains("refund of 30.00 USD would exceed the agent's day budget: 60.00 of 100.00 USD used, 25.00 held", denial.Message);
        Assert.Equal(1500L, denial.Extra["remaining"]!.GetValue<long>());
    }
}
