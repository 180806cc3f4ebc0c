using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// The restricted-key permissions each tool needs, in the Stripe CLI's <c>resource:access</c> form. Includes the reads a
/// tool makes to resolve scope and amounts (a refund reads the payment intent and its charge first).
/// </summary>
public static class StripePermissions
{
    private static readonly IReadOnlyDictionary<string, string[]> ByTool = new Dictionary<string, string[]>
    {
        ["issue_refund"] = ["refunds:write", "payment_intents:read", "charges:read"],
        ["capture_payment_intent"] = ["payment_intents:write"],
        ["change_plan"] = ["subscriptions:write", "subscription_items:write", "prices:read"],
        ["preview_plan_change"] = ["subscriptions:read", "invoices:read", "prices:read"],
        ["pause_subscription"] = ["subscriptions:write"],
        ["resume_subscription"] = ["subscriptions:write"],
        ["cancel_subscription"] = ["subscriptions:write"],
        ["extend_trial"] = ["subscriptions:write"],
        ["update_subscription_quantity"] = ["subscriptions:write", "subscription_items:write"],
        ["pay_invoice"] = ["invoices:write"],
        ["finalize_invoice"] = ["invoices:write"],
        ["mark_invoice_uncollectible"] = ["invoices:write"],
        ["get_customer"] = ["customers:read"],
        ["get_charge"] = ["charges:read"],
        ["get_payment_intent"] = ["payment_intents:read"],
        ["get_invoice"] = ["invoices:read"],
        ["get_subscription"] = ["subscriptions:read"],
        ["list_prices"] = ["prices:read"],
        ["list_payment_methods"] = ["payment_methods:read"],
        ["list_customers"] = ["customers:read"],
        ["list_charges"] = ["charges:read"],
        ["list_invoices"] = ["invoices:read"],
        ["list_subscriptions"] = ["subscriptions:read"],
        ["list_refunds"] = ["refunds:read"],
        ["list_payment_intents"] = ["payment_intents:read"],
    };

    /// <summary>The permissions a tool needs under this role (scoped refund lists also read the record they name).</summary>
    public static IEnumerable<string> For(string tool, RoleManifest role) =>
        tool == "list_refunds" && role.Customers is not null
            ? [.. ByTool[tool], "payment_intents:read", "charges:read"]
            : ByTool.GetValueOrDefault(tool) ?? [];

    /// <summary>Every permission the role's tools need, write subsuming read of the same resource, sorted like the seed's commands.</summary>
    public static IReadOnlyList<string> Plan(RoleManifest role)
    {
        var access = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var permission in role.Tools.Keys.SelectMany(tool => For(tool, role)))
        {
            var (resource, level) = (permission.Split(':')[0], permission.Split(':')[1]);
            if (!access.TryGetValue(resource, out var existing) || (existing == "read" && level == "write"))
            {
                access[resource] = level;
            }
        }

        return [.. access.Select(p => $"{p.Key}:{p.Value}")];
    }

    /// <summary>True when the table covers the tool (a test checks every catalog tool).</summary>
    public static bool Knows(string tool) => ByTool.ContainsKey(tool);
}
