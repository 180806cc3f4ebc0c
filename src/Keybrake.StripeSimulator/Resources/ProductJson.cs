using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds product objects.</summary>
internal static class ProductJson
{
    public static JsonObject Create(string id, string name, long now) => new()
    {
        ["id"] = id,
        ["object"] = "product",
        ["active"] = true,
        ["created"] = now,
        ["default_price"] = null,
        ["description"] = null,
        ["images"] = new JsonArray(),
        ["livemode"] = false,
        ["marketing_features"] = new JsonArray(),
        ["metadata"] = new JsonObject(),
        ["name"] = name,
        ["package_dimensions"] = null,
        ["shippable"] = null,
        ["statement_descriptor"] = null,
        ["tax_code"] = null,
        ["type"] = "service",
        ["unit_label"] = null,
        ["updated"] = now,
        ["url"] = null,
    };
}
