using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>The example manifests in <c>tool-manifests/</c> load clean and say what their comments promise.</summary>
public sealed class ShippedManifestTests
{
    private static ManifestSet Load() => ManifestAssert.Clean(ManifestLoader.LoadDirectory(RepositoryPaths.ToolManifests));

    [Fact]
    public void The_shipped_directory_loads_with_no_errors()
    {
        var set = Load();

        Assert.Equal(["analytics-readonly", "billing-collections", "payment-capture", "subscriptions", "support-refunds"], set.Roles.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("support-refunds", set.RoleOf("refund-bot")?.Role);
        Assert.Equal("payment-capture", set.RoleOf("capture-bot")?.Role);
        Assert.Equal("subscriptions", set.RoleOf("plan-bot")?.Role);
    }

    [Fact]
    public void Support_refunds_caps_refunds()
    {
        var role = Load().Roles["support-refunds"];

        Assert.Equal("KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", role.Stripe.KeyEnv);
        Assert.Equal(StripeMode.Test, role.Stripe.Mode);
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], role.Tools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("200.00 USD", role.Tools["issue_refund"].MaxAmount.ToString());
        Assert.Null(role.Tools["issue_refund"].ApprovalAbove);
        Assert.Equal(["requested_by_customer", "duplicate"], role.Tools["issue_refund"].Reasons!.Value);
        Assert.Contains(role.Budgets, b => b is { Per: LimitScope.Agent, Window: RollingWindow.Day, Limit.Minor: 50000 });
        Assert.Contains(role.Budgets, b => b is { Per: LimitScope.Role, Window: RollingWindow.Day, Limit.Minor: 200000 });
        Assert.Equal(new RateLimit(LimitScope.Agent, 30, RollingWindow.Minute), Assert.Single(role.RateLimits));
    }

    [Fact]
    public void Payment_capture_caps_captures()
    {
        var role = Load().Roles["payment-capture"];

        Assert.Equal("KEYBRAKE_STRIPE_KEY_PAYMENT_CAPTURE", role.Stripe.KeyEnv);
        Assert.Equal("1000.00 USD", role.Tools["capture_payment_intent"].MaxAmount.ToString());
        Assert.DoesNotContain("issue_refund", role.Tools.Keys);
        Assert.NotEmpty(role.Budgets);
    }

    [Fact]
    public void Subscriptions_allowlists_prices()
    {
        var role = Load().Roles["subscriptions"];

        Assert.Equal("KEYBRAKE_STRIPE_KEY_SUBSCRIPTIONS", role.Stripe.KeyEnv);
        Assert.Equal(["price_hobby_monthly", "price_team_monthly"], role.Tools["change_plan"].Prices!.Value);
        Assert.NotNull(role.Tools["change_plan"].ProrationBehaviors);
        Assert.Contains("list_prices", role.Tools.Keys);
        Assert.Contains("get_subscription", role.Tools.Keys);
        Assert.NotEmpty(role.Budgets);
    }

    [Fact]
    public void Billing_collections_is_scoped_to_its_cohort()
    {
        var role = Load().Roles["billing-collections"];

        Assert.NotNull(role.Customers);
        Assert.NotEmpty(role.Customers);
        Assert.Contains("pay_invoice", role.Tools.Keys);
        Assert.NotNull(role.Tools["pay_invoice"].MaxAmount);
        Assert.NotEmpty(role.Budgets);
    }

    [Fact]
    public void Analytics_is_read_only_scoped_rate_limited_and_redacted()
    {
        var role = Load().Roles["analytics-readonly"];

        Assert.All(role.Tools.Keys, tool => Assert.True(tool.StartsWith("get_", StringComparison.Ordinal) || tool.StartsWith("list_", StringComparison.Ordinal), tool));
        Assert.NotNull(role.Customers);
        Assert.True(role.RedactPersonalData);
        Assert.Contains(role.RateLimits, r => r is { Per: LimitScope.Agent, Window: RollingWindow.Minute });
        Assert.All(role.Tools.Where(t => t.Key.StartsWith("list_", StringComparison.Ordinal)), t => Assert.NotNull(t.Value.MaxPageSize));
    }

    [Fact]
    public void Shipped_manifests_use_only_tools_this_build_implements()
    {
        var registry = TestServices.ShippedTools.Registry(Load());

        Assert.All(Load().Roles.Values.SelectMany(r => r.Tools.Keys), tool => Assert.True(registry.Find(tool) is not null, $"{tool} is not implemented"));
    }

    [Fact]
    public void Each_shipped_manifest_points_editors_at_the_schema_first()
    {
        foreach (var file in Directory.GetFiles(RepositoryPaths.ToolManifests, "*.json"))
        {
            if (Path.GetFileName(file) == ManifestLoader.SchemaFileName)
            {
                continue;
            }

            var firstProperty = File.ReadAllLines(file).Select(l => l.Trim()).First(l => l.StartsWith('"'));
            Assert.Equal("\"$schema\": \"./manifest.schema.json\",", firstProperty);
        }
    }
}
