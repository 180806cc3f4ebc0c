using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>update_subscription_quantity</c>: sets a single-item subscription's quantity (seats), up to the grant's
/// <c>maxQuantity</c>. What Stripe charges for it now (always_invoice) counts against budgets; how much more the
/// subscription bills each period is capped by <c>maxRecurringIncrease</c>.
/// </summary>
public sealed class UpdateSubscriptionQuantityTool(StripeClients clients, TimeProvider time) : SubscriptionChangeTool(clients, time), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("update_subscription_quantity", "Change a subscription's quantity", ToolEffect.MovesMoney,
        "Change a subscription's quantity. Moves money when Stripe invoices the change now (always_invoice). Constraints: maxQuantity (required: the quantity argument goes up to it), maxRecurringIncrease, prorationBehaviors, maxAmount, approvalAbove.")
    {
        ManifestFields = ["maxQuantity", "maxRecurringIncrease", "prorationBehaviors", "maxAmount", "approvalAbove"],
        RequiredManifestFields = ["maxQuantity"],
        StripePermissions = ["subscriptions:write", "subscription_items:write"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, long? Quantity, string? ProrationBehavior) : ISubscriptionChangeArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("subscription"), arguments.Whole("quantity"), arguments.Text("proration_behavior"));

    protected override string Action => "quantity change";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Set the quantity (seats) of a single-item subscription" + (grant.MaxQuantity is { } max ? $", at most {max}" : "") +
        ". What Stripe charges now (always_invoice) counts against this agent's budgets; create_prorations bills the difference with the next renewal." +
        (grant.MaxRecurringIncrease is { } cap ? $" A change may raise what the subscription bills each period by at most {cap}." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject { ["subscription"] = Id("The subscription to change (sub_...).") };
        // Without maxQuantity the manifest is refused by validation; a shadow grant publishes no cap.
        properties["quantity"] = Integer("The new quantity of the subscription's item.", 1, grant.MaxQuantity);
        properties["proration_behavior"] = Enum(grant.ProrationBehaviors?.AsEnumerable() ?? ToolCatalog.ProrationBehaviors, "How to bill the change; Stripe's default is create_prorations.");
        properties["request_id"] = RequestId();
        return Object(properties, "subscription", "quantity");
    }

    protected override Task<Resolution> ResolveChangeAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct)
    {
        var item = subscription.Items.Data[0];
        var quantity = Args<Arguments>(call).Quantity!.Value;
        return quantity == item.Quantity
            ? Task.FromResult(Refuse(resolution, DenialCodes.InvalidArguments, $"already has quantity {quantity}"))
            : PlanAsync(call, subscription, resolution, item.Price, quantity, stripe, ct);
    }
}
