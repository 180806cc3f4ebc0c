using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds card charge objects, captured or only authorised.</summary>
internal static class ChargeJson
{
    public static JsonObject Create(string id, string paymentIntent, string? customer, long amount, string currency, bool captured, JsonObject paymentMethod, long now)
    {
        var card = (JsonObject)paymentMethod["card"]!;
        var cardDetails = new JsonObject
        {
            ["amount_authorized"] = amount,
            ["authorization_code"] = null,
            ["brand"] = card["brand"]!.DeepClone(),
            ["checks"] = card["checks"]!.DeepClone(),
            ["country"] = "US",
            ["exp_month"] = card["exp_month"]!.DeepClone(),
            ["exp_year"] = card["exp_year"]!.DeepClone(),
            ["extended_authorization"] = new JsonObject { ["status"] = "disabled" },
            ["fingerprint"] = card["fingerprint"]!.DeepClone(),
            ["funding"] = "credit",
            ["incremental_authorization"] = new JsonObject { ["status"] = "unavailable" },
            ["installments"] = null,
            ["last4"] = card["last4"]!.DeepClone(),
            ["mandate"] = null,
            ["multicapture"] = new JsonObject { ["status"] = "unavailable" },
            ["network"] = card["brand"]!.DeepClone(),
            ["network_token"] = new JsonObject { ["used"] = false },
            ["network_transaction_id"] = StripeIds.New("ntx", 12),
            ["overcapture"] = new JsonObject { ["maximum_amount_capturable"] = amount, ["status"] = "unavailable" },
            ["regulated_status"] = "unregulated",
            ["three_d_secure"] = null,
            ["wallet"] = null,
        };
        if (!captured)
        {
            // Only authorised charges carry capture_before; Stripe.net reads it as a non-nullable date.
            cardDetails["capture_before"] = now + (7 * 24 * 3600);
        }
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "charge",
            ["amount"] = amount,
            ["amount_captured"] = captured ? amount : 0,
            ["amount_refunded"] = 0,
            ["application"] = null,
            ["application_fee"] = null,
            ["application_fee_amount"] = null,
            ["balance_transaction"] = captured ? StripeIds.New("txn") : null,
            ["billing_details"] = new JsonObject
            {
                ["address"] = PaymentMethodJson.EmptyAddress(),
                ["email"] = null,
                ["name"] = null,
                ["phone"] = null,
                ["tax_id"] = null,
            },
            ["calculated_statement_descriptor"] = "KEYBRAKE SIMULATOR",
            ["captured"] = captured,
            ["created"] = now,
            ["currency"] = currency,
            ["customer"] = customer,
            ["description"] = null,
            ["destination"] = null,
            ["dispute"] = null,
            ["disputed"] = false,
            ["failure_balance_transaction"] = null,
            ["failure_code"] = null,
            ["failure_message"] = null,
            ["fraud_details"] = new JsonObject(),
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["on_behalf_of"] = null,
            ["outcome"] = new JsonObject
            {
                ["advice_code"] = null,
                ["network_advice_code"] = null,
                ["network_decline_code"] = null,
                ["network_status"] = "approved_by_network",
                ["reason"] = null,
                ["risk_level"] = "normal",
                ["risk_score"] = 32,
                ["seller_message"] = "Payment complete.",
                ["type"] = "authorized",
            },
            ["paid"] = true,
            ["payment_intent"] = paymentIntent,
            ["payment_method"] = paymentMethod["id"]!.DeepClone(),
            ["payment_method_details"] = new JsonObject { ["card"] = cardDetails, ["type"] = "card" },
            ["radar_options"] = new JsonObject(),
            ["receipt_email"] = null,
            ["receipt_number"] = null,
            ["receipt_url"] = $"https://pay.stripe.com/receipts/payment/{id}",
            ["refunded"] = false,
            ["review"] = null,
            ["shipping"] = null,
            ["source"] = null,
            ["source_transfer"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = "succeeded",
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
    }
}
