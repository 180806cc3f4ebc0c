using Keybrake.Mcp.Stripe.Tools;

namespace Keybrake.Mcp.Manifests;

/// <summary>Every tool name of the contract (DESIGN.md 3.3) and the manifest constraints each one accepts, derived from the tools' declarations.</summary>
public static class ToolCatalog
{
    /// <summary>Constraint field names a tool entry may carry, by tool, as each tool declares them. <c>shadow</c> is allowed on every entry.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedFields =
        StripeTools.Declarations.ToDictionary(d => d.Name, d => d.ManifestFields.ToArray(), StringComparer.Ordinal);

    /// <summary>Stripe's refund reasons.</summary>
    public static readonly string[] RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    /// <summary>Stripe's proration behaviours for subscription updates.</summary>
    public static readonly string[] ProrationBehaviors = ["create_prorations", "none", "always_invoice"];
}
