using System.Text.Json.Nodes;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>The fields of Stripe objects our tools return: what an agent needs, in Stripe's names, amounts in minor units.</summary>
public static class StripeJson
{
    public static JsonObject PaymentIntent(PaymentIntent pi) => new()
    {
        ["id"] = pi.Id,
        ["object"] = "payment_intent",
        ["amount"] = pi.Amount,
        ["amount_capturable"] = pi.AmountCapturable,
        ["amount_received"] = pi.AmountReceived,
        ["currency"] = pi.Currency,
        ["status"] = pi.Status,
        ["capture_method"] = pi.CaptureMethod,
        ["customer"] = pi.CustomerId,
        ["latest_charge"] = pi.LatestChargeId,
        ["created"] = Unix(pi.Created),
    };

    public static JsonObject Charge(Charge charge) => new()
    {
        ["id"] = charge.Id,
        ["object"] = "charge",
        ["amount"] = charge.Amount,
        ["amount_captured"] = charge.AmountCaptured,
        ["amount_refunded"] = charge.AmountRefunded,
        ["refundable"] = Math.Max(0, charge.Amount - charge.AmountRefunded),
        ["currency"] = charge.Currency,
        ["status"] = charge.Status,
        ["captured"] = charge.Captured,
        ["refunded"] = charge.Refunded,
        ["customer"] = charge.CustomerId,
        ["payment_intent"] = charge.PaymentIntentId,
        ["created"] = Unix(charge.Created),
    };

    public static JsonObject Refund(Refund refund) => new()
    {
        ["id"] = refund.Id,
        ["object"] = "refund",
        ["amount"] = refund.Amount,
        ["currency"] = refund.Currency,
        ["status"] = refund.Status,
        ["reason"] = refund.Reason,
        ["charge"] = refund.ChargeId,
        ["payment_intent"] = refund.PaymentIntentId,
        ["created"] = Unix(refund.Created),
    };

    public static JsonObject Customer(Customer customer) => new()
    {
        ["id"] = customer.Id,
        ["object"] = "customer",
        ["name"] = customer.Name,
        ["email"] = customer.Email,
        ["currency"] = customer.Currency,
        ["delinquent"] = customer.Delinquent ?? false,
        ["created"] = Unix(customer.Created),
    };

    public static JsonObject Subscription(Subscription subscription) => new()
    {
        ["id"] = subscription.Id,
        ["object"] = "subscription",
        ["customer"] = subscription.CustomerId,
        ["status"] = subscription.Status,
        ["currency"] = subscription.Currency,
        ["cancel_at_period_end"] = subscription.CancelAtPeriodEnd,
        ["items"] = new JsonArray(subscription.Items.Data.Select(item => (JsonNode)new JsonObject
        {
            ["id"] = item.Id,
            ["price"] = item.Price.Id,
            ["unit_amount"] = item.Price.UnitAmount,
            ["quantity"] = item.Quantity,
        }).ToArray()),
        ["created"] = Unix(subscription.Created),
        ["trial_end"] = Unix(subscription.TrialEnd),
        ["cancel_at"] = Unix(subscription.CancelAt),
        ["canceled_at"] = Unix(subscription.CanceledAt),
        ["pause_collection"] = subscription.PauseCollection is { } pause
            ? new JsonObject { ["behavior"] = pause.Behavior, ["resumes_at"] = Unix(pause.ResumesAt) }
            : null,
    };

    public static JsonObject Price(Price price) => new()
    {
        ["id"] = price.Id,
        ["object"] = "price",
        ["active"] = price.Active,
        ["currency"] = price.Currency,
        ["unit_amount"] = price.UnitAmount,
        ["nickname"] = price.Nickname,
        ["product"] = price.ProductId,
        ["interval"] = price.Recurring?.Interval,
    };

    public static JsonObject PaymentMethod(PaymentMethod method) => new()
    {
        ["id"] = method.Id,
        ["object"] = "payment_method",
        ["type"] = method.Type,
        ["customer"] = method.CustomerId,
        ["card"] = method.Card is { } card
            ? new JsonObject { ["brand"] = card.Brand, ["last4"] = card.Last4, ["exp_month"] = card.ExpMonth, ["exp_year"] = card.ExpYear, ["funding"] = card.Funding }
            : null,
        ["billing_details"] = new JsonObject { ["name"] = method.BillingDetails?.Name, ["email"] = method.BillingDetails?.Email },
        ["created"] = Unix(method.Created),
    };

    public static JsonObject Invoice(Invoice invoice) => new()
    {
        ["id"] = invoice.Id,
        ["object"] = "invoice",
        ["customer"] = invoice.CustomerId,
        // API 2025+ moved the subscription under parent.subscription_details.
        ["subscription"] = invoice.Parent?.SubscriptionDetails?.SubscriptionId,
        ["status"] = invoice.Status,
        ["currency"] = invoice.Currency,
        ["amount_due"] = invoice.AmountDue,
        ["amount_paid"] = invoice.AmountPaid,
        ["amount_remaining"] = invoice.AmountRemaining,
        ["total"] = invoice.Total,
        ["due_date"] = Unix(invoice.DueDate),
        ["attempt_count"] = invoice.AttemptCount,
        ["created"] = Unix(invoice.Created),
    };

    private static long? Unix(DateTime? time) => time is { } t ? Unix(t) : null;

    private static long Unix(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeSeconds();
}
