using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>The full route table of the simulated Stripe API.</summary>
internal static class ApiRoutes
{
    public static RouteTable Build()
    {
        var routes = new RouteTable();
        CustomerEndpoints.Map(routes);
        PaymentMethodEndpoints.Map(routes);
        PaymentIntentEndpoints.Map(routes);
        ChargeEndpoints.Map(routes);
        RefundEndpoints.Map(routes);
        SubscriptionEndpoints.Map(routes);
        PriceEndpoints.Map(routes);
        InvoiceEndpoints.Map(routes);
        MetadataUpdateEndpoints.Map(routes);
        return routes;
    }
}
