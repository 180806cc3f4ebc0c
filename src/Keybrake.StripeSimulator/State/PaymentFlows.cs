using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Resources;

namespace Keybrake.StripeSimulator.State;

/// <summary>State transitions shared by seeding and the API: confirming, capturing and refunding card payments.</summary>
internal static class PaymentFlows
{
    /// <summary>Confirms a payment intent with a card that always succeeds, creating its charge.</summary>
    public static JsonObject Confirm(ObjectStore store, JsonObject intent, long now)
    {
        var paymentMethod = store.Find("payment_method", (string?)intent["payment_method"])
            ?? NewCard(store, customer: null, now);
        intent["payment_method"] = paymentMethod["id"]!.DeepClone();
        var manual = (string?)intent["capture_method"] == "manual";
        var amount = JsonNumbers.Long(intent["amount"]);
        var charge = ChargeJson.Create(StripeIds.New("ch"), (string)intent["id"]!, (string?)intent["customer"], amount,
            (string)intent["currency"]!, captured: !manual, paymentMethod, now);
        store.Add(charge);
        intent["latest_charge"] = charge["id"]!.DeepClone();
        intent["status"] = manual ? "requires_capture" : "succeeded";
        intent["amount_capturable"] = manual ? amount : 0;
        intent["amount_received"] = manual ? 0 : amount;
        return charge;
    }

    public static JsonObject NewCard(ObjectStore store, string? customer, long now, string brand = "visa", string last4 = "4242", int expMonth = 12, int expYear = 2034)
    {
        var pm = PaymentMethodJson.Create(StripeIds.New("pm"), customer, brand, last4, expMonth, expYear, now);
        store.Add(pm);
        return pm;
    }

    /// <summary>Captures (part of) an authorisation; Stripe releases the rest by marking it refunded on the charge.</summary>
    public static void Capture(JsonObject intent, JsonObject charge, long amountToCapture)
    {
        var amount = JsonNumbers.Long(charge["amount"]);
        intent["status"] = "succeeded";
        intent["amount_capturable"] = 0;
        intent["amount_received"] = amountToCapture;
        charge["captured"] = true;
        charge["amount_captured"] = amountToCapture;
        charge["amount_refunded"] = amount - amountToCapture;
        charge["refunded"] = amountToCapture == 0;
        charge["balance_transaction"] = StripeIds.New("txn");
        ((JsonObject)charge["payment_method_details"]!["card"]!).Remove("capture_before");
    }

    public static void ApplyRefund(JsonObject charge, long amount)
    {
        var refunded = JsonNumbers.Long(charge["amount_refunded"]) + amount;
        charge["amount_refunded"] = refunded;
        charge["refunded"] = refunded >= JsonNumbers.Long(charge["amount"]);
    }
}
