namespace Keybrake.Mcp.Manifests;

/// <summary>Every tool name of the contract (DESIGN.md 3.3) and the manifest constraints each one accepts.</summary>
public static class ToolCatalog
{
    /// <summary>Constraint field names a tool entry may carry, by tool. <c>shadow</c> is allowed on every entry.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedFields = new Dictionary<string, string[]>
    {
        ["issue_refund"] = ["maxAmount", "reasons", "approvalAbove"],
        ["capture_payment_intent"] = ["maxAmount", "approvalAbove"],
        ["change_plan"] = ["prices", "prorationBehaviors", "maxQuantity", "maxRecurringIncrease", "maxAmount", "approvalAbove"],
        ["preview_plan_change"] = ["prices", "maxQuantity"],
        ["pause_subscription"] = [],
        ["resume_subscription"] = ["maxAmount", "approvalAbove"],
        ["cancel_subscription"] = [],
        ["extend_trial"] = ["maxDays"],
        ["update_subscription_quantity"] = ["maxQuantity", "maxRecurringIncrease", "prorationBehaviors", "maxAmount", "approvalAbove"],
        ["pay_invoice"] = ["maxAmount", "approvalAbove"],
        ["finalize_invoice"] = [],
        ["mark_invoice_uncollectible"] = [],
        ["get_customer"] = [],
        ["get_charge"] = [],
        ["get_payment_intent"] = [],
        ["get_invoice"] = [],
        ["get_subscription"] = [],
        ["list_prices"] = ["prices", "maxPageSize"],
        ["list_payment_methods"] = ["maxPageSize"],
        ["list_customers"] = ["maxPageSize"],
        ["list_charges"] = ["maxPageSize"],
        ["list_invoices"] = ["maxPageSize"],
        ["list_subscriptions"] = ["maxPageSize"],
        ["list_refunds"] = ["maxPageSize"],
        ["list_payment_intents"] = ["maxPageSize"],
    };

    /// <summary>Stripe's refund reasons.</summary>
    public static readonly string[] RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    /// <summary>Stripe's proration behaviours for subscription updates.</summary>
    public static readonly string[] ProrationBehaviors = ["create_prorations", "none", "always_invoice"];
}
