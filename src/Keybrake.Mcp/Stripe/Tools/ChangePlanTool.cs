using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>change_plan</c>: moves a single-item subscription to another price from the role's allowlist. What Stripe charges
/// for it now is held at Stripe's preview and counted at what the invoice Stripe created collected; how much more it
/// bills every period is capped by <c>maxRecurringIncrease</c>.
/// </summary>
public sealed class ChangePlanTool(StripeClients clients, TimeProvider time) : SubscriptionChangeTool(clients, time), IDeclaredTool
{
    /// <summary>What this tool is: see <see cref="ToolDeclaration"/>.</summary>
    public static ToolDeclaration Declared { get; } = new("change_plan", "Change a subscription's plan", ToolEffect.MovesMoney,
        "Move a subscription to another price. Moves money: a change Stripe invoices now (always_invoice, another billing interval, free to paid) is held at Stripe's preview and counted at what Stripe collected. Constraints: prices, prorationBehaviors, maxQuantity (the quantity argument exists only with it), maxRecurringIncrease, maxAmount (of the charge now), approvalAbove.")
    {
        ManifestFields = ["prices", "prorationBehaviors", "maxQuantity", "maxRecurringIncrease", "maxAmount", "approvalAbove"],
        StripePermissions = ["subscriptions:write", "subscription_items:write", "prices:read"],
    };

    public override ToolDeclaration Declaration => Declared;

    /// <summary>The arguments as this tool reads them.</summary>
    public sealed record Arguments(string Subscription, string Price, long? Quantity, string? ProrationBehavior) : ISubscriptionChangeArguments;

    public override IToolArguments ParseArguments(JsonObject arguments) =>
        new Arguments(arguments.Id("subscription"), arguments.Id("price"), arguments.Whole("quantity"), arguments.Text("proration_behavior"));

    protected override string Action => "plan change";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Switch a subscription to another price. Only the prices listed in this tool's schema are allowed. " +
        "What Stripe charges now (always_invoice prorations, or a switch to another billing interval, which Stripe bills at once) " +
        "counts against this agent's budgets; create_prorations bills the difference with the next renewal." +
        (grant.MaxQuantity is { } max ? $" quantity is at most {max}." : " The quantity stays as it is.") +
        (grant.MaxRecurringIncrease is { } cap ? $" A change may raise what the subscription bills each period by at most {cap}." : "");

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var properties = new JsonObject
        {
            ["subscription"] = Id("The subscription to change (sub_...)."),
            ["price"] = grant.Prices is { } prices
                ? Enum(prices, "The price to switch to; only these are allowed for this role.")
                : Id("The price to switch to (price_..., or a legacy plan id)."),
            ["proration_behavior"] = Enum(grant.ProrationBehaviors?.AsEnumerable() ?? ToolCatalog.ProrationBehaviors, "How to bill the change; Stripe's default is create_prorations."),
        };
        if (grant.MaxQuantity is { } max)
        {
            properties["quantity"] = Integer("New quantity of the subscription item; omit to keep it.", 1, max);
        }

        properties["request_id"] = RequestId();
        return Object(properties, "subscription", "price");
    }

    protected override async Task<Resolution> ResolveChangeAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct)
    {
        var args = Args<Arguments>(call);
        var item = subscription.Items.Data[0];
        var target = await stripe.V1.Prices.GetAsync(args.Price, cancellationToken: ct);
        if (!string.Equals(target.Currency, item.Price.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return resolution with
            {
                Denial = new Denial(DenialCodes.InvalidArguments,
                    $"price {target.Id} is in {target.Currency.ToUpperInvariant()}, but {resolution.Describes} bills in {item.Price.Currency.ToUpperInvariant()}"),
            };
        }

        if (target.Recurring is null)
        {
            return resolution with { Denial = new Denial(DenialCodes.InvalidArguments, $"price {target.Id} is a one-time price; a subscription needs a recurring one") };
        }

        return await PlanAsync(call, subscription, resolution, target, args.Quantity ?? item.Quantity, stripe, ct);
    }
}
