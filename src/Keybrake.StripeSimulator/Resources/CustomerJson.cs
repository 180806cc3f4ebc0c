using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds customer objects.</summary>
internal static class CustomerJson
{
    public static JsonObject Create(string id, string? email, string? name, long now) => new()
    {
        ["id"] = id,
        ["object"] = "customer",
        ["address"] = null,
        ["balance"] = 0,
        ["created"] = now,
        ["currency"] = null,
        ["default_source"] = null,
        ["delinquent"] = false,
        ["description"] = null,
        ["discount"] = null,
        ["email"] = email,
        ["invoice_prefix"] = id[4..Math.Min(id.Length, 12)].ToUpperInvariant(),
        ["invoice_settings"] = new JsonObject
        {
            ["custom_fields"] = null,
            ["default_payment_method"] = null,
            ["footer"] = null,
            ["rendering_options"] = null,
        },
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["name"] = name,
        ["next_invoice_sequence"] = 1,
        ["phone"] = null,
        ["preferred_locales"] = new JsonArray(),
        ["shipping"] = null,
        ["tax_exempt"] = "none",
        ["test_clock"] = null,
    };
}
