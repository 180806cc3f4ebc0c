using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// <c>change_plan</c>: moves a single-item subscription to another price from the role's allowlist. An upgrade's price
/// difference for one full period is held against budgets: it bounds any proration the change can charge.
/// </summary>
public sealed class ChangePlanTool(StripeClients clients) : StripeTool(clients)
{
    public override string Name => "change_plan";

    public override string Title => "Change a subscription's plan";

    public override ToolEffect Effect => ToolEffect.MovesMoney;

    public override string Describe(RoleManifest role, ToolGrant grant) =>
        "Switch a subscription to another price. Only the prices listed in this tool's schema are allowed. " +
        "An upgrade's proration counts against this agent's budgets.";

    public override JsonObject InputSchema(RoleManifest role, ToolGrant grant)
    {
        var price = grant.Prices is { } prices
            ? Enum(prices, "The price to switch to; only these are allowed for this role.")
            : Id("The price to switch to (price_...).");
        return Object(new JsonObject
        {
            ["subscription"] = Id("The subscription to change (sub_...)."),
            ["price"] = price,
            ["proration_behavior"] = Enum(grant.ProrationBehaviors?.AsEnumerable() ?? ToolCatalog.ProrationBehaviors, "How to bill the change; Stripe's default is create_prorations."),
            ["quantity"] = Integer("New quantity of the subscription item; omit to keep it.", 1, grant.MaxQuantity),
            ["request_id"] = RequestId(),
        }, "subscription", "price");
    }

    public override JsonObject OutputSchema()
    {
        var properties = StripeSchemas.Subscription();
        properties["proration_held"] = Prop("integer", "Upper bound of the proration, in minor units, counted against budgets");
        return StripeSchemas.ObjectOf(WithCallFields(properties), "id", "status", "items");
    }

    protected override async Task<Resolution> ResolveCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct)
    {
        var subscription = await stripe.V1.Subscriptions.GetAsync(Arg(call, "subscription")!, cancellationToken: ct);
        var describes = $"subscription {subscription.Id}";
        var resolution = new Resolution { Object = subscription.Id, Describes = describes, Scoped = true, Customer = subscription.CustomerId, Action = "plan change" };
        if (subscription.Items.Data.Count != 1)
        {
            return resolution with { Denial = new Denial(DenialCodes.NotAllowed, $"{describes} has {subscription.Items.Data.Count} items; change_plan changes single-item subscriptions only") };
        }

        if (subscription.Status is "canceled" or "incomplete_expired")
        {
            return resolution with { Denial = new Denial(DenialCodes.NotAllowed, $"{describes} is '{subscription.Status}' and cannot change plan") };
        }

        var item = subscription.Items.Data[0];
        var target = await stripe.V1.Prices.GetAsync(Arg(call, "price")!, cancellationToken: ct);
        if (!string.Equals(target.Currency, item.Price.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return resolution with { Denial = new Denial(DenialCodes.InvalidArguments, $"price {target.Id} is in {target.Currency.ToUpperInvariant()}, but {describes} bills in {item.Price.Currency.ToUpperInvariant()}") };
        }

        var quantity = ArgLong(call, "quantity") ?? item.Quantity;
        var before = (item.Price.UnitAmount ?? 0) * item.Quantity;
        var after = (target.UnitAmount ?? 0) * quantity;
        var prorates = Arg(call, "proration_behavior") != "none";
        var hold = prorates ? Math.Max(0, after - before) : 0;
        return resolution with
        {
            Moves = new MoneyAmount(hold, Currency.Get(target.Currency)),
            Prefetched = item.Id,
        };
    }

    protected override Task<Reconciliation> ReconcileCoreAsync(ToolInvocation call, StripeClient stripe, CancellationToken ct) =>
        BySubscriptionStampAsync(call, stripe, ct);

    protected override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution? resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var itemId = resolved?.Prefetched as string
            ?? (await stripe.V1.Subscriptions.GetAsync(Arg(call, "subscription")!, cancellationToken: ct)).Items.Data[0].Id;
        var subscription = await stripe.V1.Subscriptions.UpdateAsync(Arg(call, "subscription")!, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = itemId, Price = Arg(call, "price"), Quantity = ArgLong(call, "quantity") }],
            ProrationBehavior = Arg(call, "proration_behavior"),
            Metadata = Stamp(keys),
        }, Idempotent(keys), ct);

        var result = StripeJson.Subscription(subscription);
        var held = resolved?.Moves;
        result["proration_held"] = held?.Minor ?? 0;
        return new ExecutionResult.Succeeded(result, held, subscription.Id, subscription.StripeResponse?.RequestId);
    }
}
