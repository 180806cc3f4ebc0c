using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/payment_methods and /v1/customers/{id}/payment_methods (read-only).</summary>
internal static class PaymentMethodEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/payment_methods", "payment_methods", r => ListFor(r, r.Form.Get("customer"), "/v1/payment_methods"));
        routes.Get("/v1/payment_methods/{id}", "payment_methods", r => ApiResult.Ok(r.Store.Get("payment_method", r.RequiredId, "payment_method").DeepClone()));
        routes.Get("/v1/customers/{id}/payment_methods", "payment_methods", r =>
        {
            r.Store.Get("customer", r.RequiredId, "customer");
            return ListFor(r, r.RequiredId, $"/v1/customers/{r.RequiredId}/payment_methods");
        });
    }

    private static ApiResult ListFor(ApiRequest r, string? customer, string url)
    {
        var type = r.Form.Get("type");
        // Unattached cards (used once for a payment) are not listed, as on Stripe.
        var items = r.Store.NewestFirst("payment_method")
            .Where(p => (string?)p["customer"] is not null)
            .Where(p => customer is null || (string?)p["customer"] == customer)
            .Where(p => type is null || (string?)p["type"] == type);
        return ApiResult.Ok(ListPage.Build(items, r.Form, url, r.Store));
    }
}
