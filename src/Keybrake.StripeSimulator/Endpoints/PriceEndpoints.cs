using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/prices and /v1/products (read-only).</summary>
internal static class PriceEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/prices", "prices", ListPrices);
        routes.Get("/v1/prices/{id}", "prices", r => ApiResult.Ok(r.Store.Get("price", r.RequiredId, "price").DeepClone()));
        routes.Get("/v1/products", "products", ListProducts);
        routes.Get("/v1/products/{id}", "products", r => ApiResult.Ok(r.Store.Get("product", r.RequiredId).DeepClone()));
    }

    private static ApiResult ListPrices(ApiRequest r)
    {
        var active = r.Form.GetBool("active");
        var product = r.Form.Get("product");
        var currency = r.Form.Get("currency")?.ToLowerInvariant();
        var type = r.Form.Get("type");
        var items = r.Store.NewestFirst("price")
            .Where(p => active is null || (bool)p["active"]! == active)
            .Where(p => product is null || (string?)p["product"] == product)
            .Where(p => currency is null || (string?)p["currency"] == currency)
            .Where(p => type is null || (string?)p["type"] == type);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/prices", r.Store));
    }

    private static ApiResult ListProducts(ApiRequest r)
    {
        var active = r.Form.GetBool("active");
        var items = r.Store.NewestFirst("product").Where(p => active is null || (bool)p["active"]! == active);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/products", r.Store));
    }
}
