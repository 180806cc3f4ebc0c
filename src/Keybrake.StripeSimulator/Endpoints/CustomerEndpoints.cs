using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/customers.</summary>
internal static class CustomerEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/customers", "customers", List);
        routes.Get("/v1/customers/{id}", "customers", r => ApiResult.Ok(r.Store.Get("customer", r.RequiredId, "customer").DeepClone()));
    }

    private static ApiResult List(ApiRequest r)
    {
        var email = r.Form.Get("email");
        var items = r.Store.NewestFirst("customer")
            .Where(c => email is null || string.Equals((string?)c["email"], email, StringComparison.Ordinal));
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/customers", r.Store));
    }
}
