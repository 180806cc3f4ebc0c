using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/charges (read-only).</summary>
internal static class ChargeEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/charges", "charges", List);
        routes.Get("/v1/charges/{id}", "charges", r => ApiResult.Ok(r.Store.Get("charge", r.RequiredId, "charge").DeepClone()));
    }

    private static ApiResult List(ApiRequest r)
    {
        var customer = r.Form.Get("customer");
        var intent = r.Form.Get("payment_intent");
        var items = r.Store.NewestFirst("charge")
            .Where(c => customer is null || (string?)c["customer"] == customer)
            .Where(c => intent is null || (string?)c["payment_intent"] == intent);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/charges", r.Store));
    }
}
