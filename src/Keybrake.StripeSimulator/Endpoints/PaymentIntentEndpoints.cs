using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/payment_intents: read, list, create and capture.</summary>
internal static class PaymentIntentEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/payment_intents", "payment_intents", List);
        routes.Get("/v1/payment_intents/{id}", "payment_intents", r => ApiResult.Ok(r.Store.Get("payment_intent", r.RequiredId, "intent").DeepClone()));
        routes.Post("/v1/payment_intents", "payment_intents", Create);
        routes.Post("/v1/payment_intents/{id}/capture", "payment_intents", Capture);
    }

    private static ApiResult List(ApiRequest r)
    {
        var customer = r.Form.Get("customer");
        var items = r.Store.NewestFirst("payment_intent").Where(p => customer is null || (string?)p["customer"] == customer);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/payment_intents", r.Store));
    }

    private static ApiResult Create(ApiRequest r)
    {
        var amount = r.Form.GetPositiveLong("amount") ?? throw StripeApiException.Missing("amount");
        var currency = r.Form.Require("currency").ToLowerInvariant();
        var customer = r.Form.Get("customer");
        if (customer is not null)
        {
            r.Store.GetParam("customer", customer, "customer");
        }
        var paymentMethod = r.Form.Get("payment_method");
        if (paymentMethod is not null)
        {
            r.Store.GetParam("payment_method", paymentMethod, "payment_method");
        }
        var captureMethod = r.Form.Get("capture_method") ?? "automatic";
        if (captureMethod is not ("automatic" or "automatic_async" or "manual"))
        {
            throw StripeApiException.Invalid($"Invalid capture_method: must be one of automatic, automatic_async, or manual", "parameter_invalid_string", "capture_method");
        }
        var now = r.Account.Now();
        var intent = PaymentIntentJson.Create(StripeIds.New("pi"), amount, currency, customer, captureMethod == "manual", paymentMethod, now);
        if (captureMethod == "automatic_async")
        {
            intent["capture_method"] = captureMethod;
        }
        Metadata.Apply(intent, r.Form);
        intent["description"] = r.Form.Get("description");
        r.Store.Add(intent);
        if (r.Form.GetBool("confirm") == true)
        {
            PaymentFlows.Confirm(r.Store, intent, now);
        }
        return ApiResult.Ok(intent.DeepClone());
    }

    private static ApiResult Capture(ApiRequest r)
    {
        var intent = r.Store.Get("payment_intent", r.RequiredId, "intent");
        var status = (string)intent["status"]!;
        if (status != "requires_capture")
        {
            throw new StripeApiException(400, "invalid_request_error",
                $"This PaymentIntent could not be captured because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                "payment_intent_unexpected_state")
            { Extra = new JsonObject { ["payment_intent"] = intent.DeepClone() } };
        }
        var capturable = JsonNumbers.Long(intent["amount_capturable"]);
        var amount = r.Form.GetLong("amount_to_capture") ?? capturable;
        if (amount < 0)
        {
            throw StripeApiException.Invalid("This value must be greater than or equal to 0.", "parameter_invalid_integer", "amount_to_capture");
        }
        if (amount > capturable)
        {
            throw new StripeApiException(400, "invalid_request_error",
                "The requested capture amount is greater than the amount you can capture for this charge.", "amount_too_large", "amount_to_capture")
            { Extra = new JsonObject { ["payment_intent"] = intent.DeepClone() } };
        }
        var charge = r.Store.Get("charge", (string)intent["latest_charge"]!);
        PaymentFlows.Capture(intent, charge, amount);
        Metadata.Apply(intent, r.Form);
        return ApiResult.Ok(intent.DeepClone());
    }
}
