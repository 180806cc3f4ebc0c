using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Every manifest field lands in the immutable model with the right value.</summary>
public sealed class ManifestMappingTests
{
    private static RoleManifest KitchenSink()
    {
        var file = Path.Combine(RepositoryPaths.Fixtures, "kitchen-sink.json");
        var role = ManifestAssert.Clean(ManifestLoader.LoadFiles([file])).Roles["kitchen-sink"];
        Assert.Equal(file, role.SourceFile);
        return role;
    }

    [Fact]
    public void Maps_identity_stripe_and_scope()
    {
        var role = KitchenSink();

        Assert.Equal("Exercises every manifest field.", role.Description);
        Assert.Equal(new StripeSettings("KEYBRAKE_STRIPE_KEY_KITCHEN_SINK", StripeMode.Live, AllowSecretKey: true), role.Stripe);
        Assert.Equal(["sink-bot", "sink.bot_2"], role.Agents);
        Assert.True(role.Customers!.SetEquals(["cus_A", "cus_B"]));
        Assert.Equal(new ApprovalSettings(ApprovalChannel.Client, TimeSpan.FromHours(2)), role.Approvals);
    }

    [Fact]
    public void Maps_budgets_and_rate_limits()
    {
        var role = KitchenSink();

        Assert.Equal(
            [
                new Budget(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("500.00 USD")),
                new Budget(LimitScope.Role, RollingWindow.Month, new MoneyAmount(50000, Currency.Get("JPY")), Shadow: true),
                new Budget(LimitScope.Role, RollingWindow.Total, new MoneyAmount(5120, Currency.Get("KWD"))),
            ],
            role.Budgets);
        Assert.Equal(
            [
                new RateLimit(LimitScope.Agent, 30, RollingWindow.Minute),
                new RateLimit(LimitScope.Role, 1000, RollingWindow.Hour, Shadow: true),
            ],
            role.RateLimits);
    }

    [Fact]
    public void Maps_tool_grants()
    {
        var tools = KitchenSink().Tools;

        Assert.Equal(8, tools.Count);
        var refund = tools["issue_refund"];
        Assert.Equal(20000, refund.MaxAmount?.Minor);
        Assert.Equal(10000, refund.ApprovalAbove?.Minor);
        Assert.Equal(["requested_by_customer", "duplicate"], refund.Reasons!.Value);
        Assert.False(refund.Shadow);
        Assert.Null(refund.Prices);

        Assert.True(tools["capture_payment_intent"].Shadow);
        Assert.Equal("JPY", tools["capture_payment_intent"].MaxAmount?.Currency.Code);
        Assert.Equal(["price_hobby_monthly", "price_team_monthly"], tools["change_plan"].Prices!.Value);
        Assert.Equal(["none"], tools["change_plan"].ProrationBehaviors!.Value);
        Assert.Equal(5120, tools["pay_invoice"].MaxAmount?.Minor);
        Assert.Equal(14, tools["extend_trial"].MaxDays);
        Assert.Equal(10, tools["update_subscription_quantity"].MaxQuantity);
        Assert.Equal(25, tools["list_customers"].MaxPageSize);
        Assert.Equal(new ToolGrant(), tools["get_customer"]);
    }

    [Fact]
    public void Absent_optional_fields_take_their_defaults()
    {
        using var dir = new TempManifestDirectory();
        dir.Write(
            "alpha",
            ValidManifest.For("alpha").With("budgets", null).With("rateLimits", null).With("tools", "{\"get_customer\": {}}"));

        var role = ManifestAssert.Clean(dir.Load()).Roles["alpha"];

        Assert.Equal("", role.Description);
        Assert.False(role.Stripe.AllowSecretKey);
        Assert.Null(role.Customers);
        Assert.Empty(role.Budgets);
        Assert.Empty(role.RateLimits);
        Assert.Equal(new ApprovalSettings(), role.Approvals);
        Assert.Null(role.Approvals.ExpiresAfter);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    public void Maps_approval_durations(string text, int seconds)
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With("approvals", $"{{\"expiresAfter\": \"{text}\"}}"));

        var approvals = ManifestAssert.Clean(dir.Load()).Roles["alpha"].Approvals;

        Assert.Equal(ApprovalChannel.Operator, approvals.Via);
        Assert.Equal(TimeSpan.FromSeconds(seconds), approvals.ExpiresAfter);
    }
}
