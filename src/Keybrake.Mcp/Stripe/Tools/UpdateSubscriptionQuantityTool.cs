using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>update_subscription_quantity</c>: sets a single-item subscription's quantity (seats). An increase's price for one
/// full period is held against budgets: it bounds any proration the change can charge.
/// </summary>
public sealed class UpdateSubscriptionQuantityTool(StripeClients clients) : SubscriptionTool(clients)
{
    public override string Name => "update_subscription_quantity";

    public override string Title => "Change a subscription's quantity";

    public override ToolEffect Effect => ToolEffect.MovesMoney;

    protected override string Action => "quantity change";

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Set the quantity (seats) of a single-item subscription" + (grant.MaxQuantity is { } max ? $", at most {max}" : "") +
        ". An increase's proration counts against this agent's budgets.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant) => Object(new JsonObject
    {
        ["subscription"] = Id("The subscription to change (sub_...)."),
        ["quantity"] = Integer("The new quantity of the subscription's item.", 1, grant.MaxQuantity),
        ["proration_behavior"] = Enum(ToolCatalog.ProrationBehaviors, "How to bill the change; Stripe's default is create_prorations."),
        ["request_id"] = RequestId(),
    }, "subscription", "quantity");

    public override JsonObject OutputSchema()
    {
        var properties = StripeSchemas.Subscription();
        properties["proration_held"] = Prop("integer", "Upper bound of the proration, in minor units, counted against budgets");
        return StripeSchemas.ObjectOf(WithCallFields(properties), "id", "status", "items");
    }

    protected override Resolution Check(ToolInvocation call, Subscription subscription, Resolution resolution)
    {
        if (subscription.Items.Data.Count != 1)
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"has {subscription.Items.Data.Count} items; update_subscription_quantity changes single-item subscriptions only");
        }

        if (subscription.Status is "canceled" or "incomplete_expired")
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}' and cannot change quantity");
        }

        var item = subscription.Items.Data[0];
        var quantity = ArgLong(call, "quantity")!.Value;
        if (quantity == item.Quantity)
        {
            return Refuse(resolution, DenialCodes.InvalidArguments, $"already has quantity {quantity}");
        }

        var prorates = Arg(call, "proration_behavior") != "none";
        var hold = prorates ? Math.Max(0, (quantity - item.Quantity) * (item.Price.UnitAmount ?? 0)) : 0;
        return resolution with { Moves = new MoneyAmount(hold, Currency.Get(item.Price.Currency)) };
    }

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution? resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var current = await CurrentAsync(call, resolved, stripe, ct);
        // Setting an absolute quantity is the same request when re-sent, so the idempotency key covers it.
        var subscription = await stripe.V1.Subscriptions.UpdateAsync(current.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = current.Items.Data[0].Id, Quantity = ArgLong(call, "quantity") }],
            ProrationBehavior = Arg(call, "proration_behavior"),
            Metadata = Stamp(keys),
        }, Idempotent(keys), ct);

        var result = StripeJson.Subscription(subscription);
        var held = resolved?.Moves;
        result["proration_held"] = held?.Minor ?? 0;
        return new ExecutionResult.Succeeded(result, held, subscription.Id, subscription.StripeResponse?.RequestId);
    }
}
