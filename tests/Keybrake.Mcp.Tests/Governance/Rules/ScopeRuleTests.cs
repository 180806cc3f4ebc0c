using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance.Rules;

/// <summary>The scope rule alone: the resolved record's customer against the role's customers.</summary>
public sealed class ScopeRuleTests
{
    private static readonly Keybrake.Mcp.Manifests.RoleManifest Scoped = Roles.Refunds(customers: ["cus_A"]);

    [Fact]
    public void A_listed_customers_record_passes()
    {
        Assert.Null(ScopeRule.Check(Scoped, new Resolution { Scoped = true, Customer = "cus_A", Describes = "charge ch_1" }));
    }

    [Fact]
    public void Another_customers_record_is_refused_naming_both()
    {
        var denial = ScopeRule.Check(Scoped, new Resolution { Scoped = true, Customer = "cus_B", Describes = "charge ch_1" });

        Assert.Equal(DenialCodes.NotAllowed, denial?.Code);
        Assert.Equal("charge ch_1 belongs to customer cus_B, which is outside role 'support-refunds''s customers", denial!.Message);
    }

    [Fact]
    public void A_record_without_a_customer_is_refused_for_a_scoped_role()
    {
        Assert.Contains("has no customer", ScopeRule.Check(Scoped, new Resolution { Scoped = true, Describes = "charge ch_1" })!.Message);
    }

    [Fact]
    public void An_unscoped_role_or_record_is_not_checked()
    {
        Assert.Null(ScopeRule.Check(Roles.Refunds(), new Resolution { Scoped = true, Customer = "cus_B" }));
        Assert.Null(ScopeRule.Check(Scoped, new Resolution { Scoped = false, Customer = "cus_B" }));
    }
}
