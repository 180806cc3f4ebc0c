using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds payment intent objects.</summary>
internal static class PaymentIntentJson
{
    public static JsonObject Create(string id, long amount, string currency, string? customer, bool manualCapture, string? paymentMethod, long now) => new()
    {
        ["id"] = id,
        ["object"] = "payment_intent",
        ["amount"] = amount,
        ["amount_capturable"] = 0,
        ["amount_details"] = new JsonObject { ["tip"] = new JsonObject() },
        ["amount_received"] = 0,
        ["application"] = null,
        ["application_fee_amount"] = null,
        ["automatic_payment_methods"] = null,
        ["canceled_at"] = null,
        ["cancellation_reason"] = null,
        ["capture_method"] = manualCapture ? "manual" : "automatic",
        ["client_secret"] = id + "_secret_" + StripeIds.New("s", 16)[2..],
        ["confirmation_method"] = "automatic",
        ["created"] = now,
        ["currency"] = currency,
        ["customer"] = customer,
        ["description"] = null,
        ["excluded_payment_method_types"] = null,
        ["last_payment_error"] = null,
        ["latest_charge"] = null,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["next_action"] = null,
        ["on_behalf_of"] = null,
        ["payment_method"] = paymentMethod,
        ["payment_method_configuration_details"] = null,
        ["payment_method_options"] = new JsonObject
        {
            ["card"] = new JsonObject
            {
                ["installments"] = null,
                ["mandate_options"] = null,
                ["network"] = null,
                ["request_three_d_secure"] = "automatic",
            },
        },
        ["payment_method_types"] = new JsonArray("card"),
        ["processing"] = null,
        ["receipt_email"] = null,
        ["review"] = null,
        ["setup_future_usage"] = null,
        ["shipping"] = null,
        ["source"] = null,
        ["statement_descriptor"] = null,
        ["statement_descriptor_suffix"] = null,
        ["status"] = paymentMethod is null ? "requires_payment_method" : "requires_confirmation",
        ["transfer_data"] = null,
        ["transfer_group"] = null,
    };
}
