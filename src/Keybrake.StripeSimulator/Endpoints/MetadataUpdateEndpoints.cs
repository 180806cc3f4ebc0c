using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>
/// <c>POST /v1/{resource}/{id}</c> updates this simulator keeps to what Keybrake and restricted-key checks need: metadata
/// (any other parameter is refused, as Stripe refuses an unknown one), and <c>/v1/subscription_items/{id}</c>. A request
/// for an id that does not exist is a 404 after the permission check, which is how a key's access is probed harmlessly.
/// </summary>
internal static class MetadataUpdateEndpoints
{
    private static readonly (string Path, string Kind)[] Updatable =
    [
        ("customers", "customer"), ("charges", "charge"), ("payment_intents", "payment_intent"), ("refunds", "refund"), ("prices", "price"),
        ("products", "product"), ("payment_methods", "payment_method"), ("invoices", "invoice"),
    ];

    public static void Map(RouteTable routes)
    {
        foreach (var (path, kind) in Updatable)
        {
            routes.Post($"/v1/{path}/{{id}}", path, r => Update(r, r.Store.Get(kind, r.RequiredId)));
        }

        routes.Get("/v1/subscription_items/{id}", "subscription_items", r => ApiResult.Ok(Item(r).DeepClone()));
        routes.Post("/v1/subscription_items/{id}", "subscription_items", r => Update(r, Item(r)));
    }

    private static ApiResult Update(ApiRequest r, JsonObject target)
    {
        foreach (var key in r.Form.Values.Keys)
        {
            if (key != "metadata" && !key.StartsWith("metadata[", StringComparison.Ordinal) && !key.StartsWith("expand", StringComparison.Ordinal))
            {
                throw StripeApiException.Invalid($"Received unknown parameter: {key.Split('[')[0]}", "parameter_unknown", key.Split('[')[0]);
            }
        }

        Metadata.Apply(target, r.Form);
        return ApiResult.Ok(target.DeepClone());
    }

    private static JsonObject Item(ApiRequest r) =>
        r.Store.NewestFirst("subscription").SelectMany(s => SubscriptionJson.Items(s).OfType<JsonObject>()).FirstOrDefault(i => (string?)i["id"] == r.RequiredId)
        ?? throw StripeApiException.NoSuchObject("subscription_item", r.RequiredId, "id", 404);
}
