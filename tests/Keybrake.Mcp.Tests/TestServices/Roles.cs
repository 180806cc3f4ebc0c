using System.Collections.Immutable;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Role manifests built in code, for tests of the governance core that need no manifest files.</summary>
public static class Roles
{
    public static RoleManifest Refunds(
        string agentBudget = "500.00 USD",
        ImmutableHashSet<string>? customers = null,
        ImmutableArray<RateLimit>? rateLimits = null,
        ToolGrant? grant = null) => new()
    {
        Role = "support-refunds",
        Stripe = new StripeSettings("KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", StripeMode.Test),
        Agents = ["refund-bot", "refund-bot-2"],
        Customers = customers,
        Budgets = [new Budget(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse(agentBudget)), new Budget(LimitScope.Role, RollingWindow.Day, MoneyAmount.Parse("2000.00 USD"))],
        RateLimits = rateLimits ?? [],
        Tools = ImmutableDictionary<string, ToolGrant>.Empty.Add("issue_refund", grant ?? new ToolGrant { MaxAmount = MoneyAmount.Parse("200.00 USD") }),
    };

    public static ManifestSet Set(params RoleManifest[] roles) => new(roles.ToImmutableDictionary(r => r.Role));
}
