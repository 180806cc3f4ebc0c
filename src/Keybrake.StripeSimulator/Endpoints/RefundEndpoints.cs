using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/refunds: create against a charge or payment intent, read and list.</summary>
internal static class RefundEndpoints
{
    private static readonly string[] Reasons = ["duplicate", "fraudulent", "requested_by_customer"];

    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/refunds", "refunds", List);
        routes.Get("/v1/refunds/{id}", "refunds", r => ApiResult.Ok(r.Store.Get("refund", r.RequiredId, "refund").DeepClone()));
        routes.Post("/v1/refunds", "refunds", Create);
    }

    private static ApiResult List(ApiRequest r)
    {
        var charge = r.Form.Get("charge");
        var intent = r.Form.Get("payment_intent");
        var items = r.Store.NewestFirst("refund")
            .Where(x => charge is null || (string?)x["charge"] == charge)
            .Where(x => intent is null || (string?)x["payment_intent"] == intent);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/refunds", r.Store));
    }

    private static ApiResult Create(ApiRequest r)
    {
        var charge = ResolveCharge(r);
        var reason = r.Form.Get("reason");
        if (reason is not null && !Reasons.Contains(reason))
        {
            throw StripeApiException.Invalid("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "parameter_invalid_string", "reason");
        }
        var chargeId = (string)charge["id"]!;
        var currency = (string)charge["currency"]!;
        var amount = JsonNumbers.Long(charge["amount"]);
        // The refundable rest is amount - amount_refunded; a partial capture already counts the released part as refunded.
        var remaining = amount - JsonNumbers.Long(charge["amount_refunded"]);
        if (remaining <= 0)
        {
            throw StripeApiException.Invalid($"Charge {chargeId} has already been refunded.", "charge_already_refunded");
        }
        var requested = r.Form.GetPositiveLong("amount") ?? remaining;
        if (requested > remaining)
        {
            var message = remaining == amount
                ? $"Refund amount ({MoneyText.Format(requested, currency)}) is greater than charge amount ({MoneyText.Format(amount, currency)})"
                : $"Refund amount ({MoneyText.Format(requested, currency)}) is greater than unrefunded amount on charge ({MoneyText.Format(remaining, currency)})";
            throw StripeApiException.Invalid(message, "amount_too_large", "amount");
        }
        var refund = RefundJson.Create(StripeIds.New("re"), requested, charge, reason, Metadata.From(r.Form.Hash("metadata")), r.Account.Now());
        r.Store.Add(refund);
        PaymentFlows.ApplyRefund(charge, requested);
        return ApiResult.Ok(refund.DeepClone());
    }

    private static System.Text.Json.Nodes.JsonObject ResolveCharge(ApiRequest r)
    {
        var chargeId = r.Form.Get("charge");
        var intentId = r.Form.Get("payment_intent");
        if (chargeId is not null && intentId is not null)
        {
            throw StripeApiException.Invalid("You cannot specify both charge and payment_intent.", "parameter_unknown", "payment_intent");
        }
        if (chargeId is null && intentId is null)
        {
            throw StripeApiException.Invalid("One of the following params should be provided for this request: payment_intent or charge.", "parameter_missing");
        }
        if (chargeId is not null)
        {
            var charge = r.Store.GetParam("charge", chargeId, "charge");
            return (bool)charge["captured"]!
                ? charge
                : throw StripeApiException.Invalid($"Charge {chargeId} has not been captured. Cancel the PaymentIntent to release the authorization instead.", "charge_not_captured", "charge");
        }
        var intent = r.Store.GetParam("payment_intent", intentId!, "payment_intent");
        var status = (string)intent["status"]!;
        if (status != "succeeded" || r.Store.Find("charge", (string?)intent["latest_charge"]) is not { } latest)
        {
            throw StripeApiException.Invalid(
                $"This PaymentIntent ({intentId}) does not have a successful charge to refund. Its status is {status}; cancel it to release an uncaptured authorization.",
                "payment_intent_unexpected_state", "payment_intent");
        }
        return latest;
    }
}
