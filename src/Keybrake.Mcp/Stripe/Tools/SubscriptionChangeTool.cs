using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>
/// Base of the tools that change a single-item subscription's price or quantity (<c>change_plan</c>,
/// <c>update_subscription_quantity</c>). Resolving previews the invoice Stripe will create now, if the change is billed now
/// (<see cref="SubscriptionCharges.InvoicesNow"/>), and holds its amount; executing sends the change with the proration
/// date of that preview (so Stripe bills exactly what was previewed), refuses to leave an unpaid invoice behind
/// (<c>payment_behavior=error_if_incomplete</c>: a declined card changes nothing), and counts what the invoice it created
/// collected, read from Stripe's answer, on a first attempt, a re-send after an unknown outcome and a reconciliation alike.
/// </summary>
public abstract class SubscriptionChangeTool(StripeClients clients, TimeProvider time) : SubscriptionTool(clients)
{
    public override JsonObject OutputSchema() =>
        StripeSchemas.ObjectOf(WithCallFields(SubscriptionCharges.WithChargeFields(StripeSchemas.Subscription())), "id", "status", "items", "amount_charged");

    protected sealed override async Task<Resolution> CheckAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct)
    {
        if (subscription.Items.Data.Count != 1)
        {
            return Refuse(resolution, DenialCodes.NotAllowed, $"has {subscription.Items.Data.Count} items; {Name} changes single-item subscriptions only");
        }

        return subscription.Status is "canceled" or "incomplete_expired"
            ? Refuse(resolution, DenialCodes.NotAllowed, $"is '{subscription.Status}' and cannot change")
            : await ResolveChangeAsync(call, subscription, resolution, stripe, ct);
    }

    /// <summary>Works out the target price and quantity, then calls <see cref="PlanAsync"/>.</summary>
    protected abstract Task<Resolution> ResolveChangeAsync(ToolInvocation call, Subscription subscription, Resolution resolution, StripeClient stripe, CancellationToken ct);

    /// <summary>The change to <paramref name="price"/> × <paramref name="quantity"/>: its charge now (previewed), its recurring delta, and what sending it needs.</summary>
    protected async Task<Resolution> PlanAsync(ToolInvocation call, Subscription subscription, Resolution resolution, Price price, long quantity,
        StripeClient stripe, CancellationToken ct)
    {
        var item = subscription.Items.Data[0];
        foreach (var (which, shape) in new[] { ("current", item.Price), ("new", price) })
        {
            if (SubscriptionCharges.UnsupportedShape(shape) is { } why)
            {
                // What such a price bills (tiers, fractions of a cent, amounts the customer picks) is not what the hold and
                // the recurring-increase check can count: refused rather than held at nothing.
                return Refuse(resolution, DenialCodes.NotAllowed,
                    $"cannot change: {Name} supports only per-unit prices with a whole unit amount, and the {which} price {shape.Id} {why}");
            }
        }

        var behavior = Args<ISubscriptionChangeArguments>(call).ProrationBehavior;
        // Stripe cannot take a proration date with "none"; otherwise the change is billed as of the second previewed.
        long? prorationDate = behavior == "none" ? null : time.GetUtcNow().ToUnixTimeSeconds();
        var currency = Currency.Get(item.Price.Currency);
        long chargedNow = 0;
        if (SubscriptionCharges.InvoicesNow(behavior, item.Price, price))
        {
            var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
            {
                Customer = subscription.CustomerId,
                Subscription = subscription.Id,
                SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
                {
                    Items = [new InvoiceSubscriptionDetailsItemOptions { Id = item.Id, Price = price.Id, Quantity = quantity }],
                    ProrationBehavior = behavior ?? "create_prorations",
                    ProrationDate = prorationDate is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : null,
                },
            }, cancellationToken: ct);
            chargedNow = preview.AmountDue;
        }

        var delta = SubscriptionCharges.Delta(item.Price, item.Quantity, price, quantity);
        return resolution with
        {
            Moves = new MoneyAmount(chargedNow, currency),
            RecurringDelta = delta,
            Prepared = new JsonObject
            {
                ["item"] = item.Id,
                ["price"] = price.Id,
                // Always sent: Stripe resets the quantity of an item whose price changes without one.
                ["quantity"] = quantity,
                ["proration_date"] = prorationDate,
                ["latest_invoice"] = subscription.LatestInvoiceId,
                ["recurring_delta"] = delta.ToJson(),
            },
        };
    }

    // Rows started before calls kept what they prepared cannot be sent again as the same request: evidence settles them.
    public override bool CanReplay(ToolInvocation call) => call.Prepared is not null;

    protected sealed override async Task<ExecutionResult> ExecuteCoreAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, StripeClient stripe, CancellationToken ct)
    {
        var prepared = call.Prepared ?? throw new InvalidOperationException($"{Name} ({keys.CallId}) has no prepared request");
        var prorationDate = SubscriptionCharges.Number(prepared, "proration_date");
        var answer = await stripe.V1.Subscriptions.UpdateAsync(Args<ISubscriptionArguments>(call).Subscription, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions
            {
                Id = SubscriptionCharges.Text(prepared, "item"),
                Price = SubscriptionCharges.Text(prepared, "price"),
                Quantity = SubscriptionCharges.Number(prepared, "quantity"),
            }],
            ProrationBehavior = Args<ISubscriptionChangeArguments>(call).ProrationBehavior,
            ProrationDate = prorationDate is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : null,
            PaymentBehavior = "error_if_incomplete",
            Metadata = Stamp(keys),
            Expand = ["latest_invoice"],
        }, Idempotent(keys), ct);

        var created = SubscriptionCharges.CreatedBy(answer, SubscriptionCharges.Text(prepared, "latest_invoice"));
        var collected = SubscriptionCharges.Collected(answer, created);
        var delta = RecurringDelta.FromJson(prepared["recurring_delta"]);
        var result = StripeJson.Subscription(answer);
        SubscriptionCharges.Describe(result, created, collected, delta);
        return new ExecutionResult.Succeeded(result, collected, answer.Id, answer.StripeResponse?.RequestId) { RecurringDelta = delta };
    }
}
