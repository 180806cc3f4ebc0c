using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Builds Stripe's <c>{"error":{...}}</c> envelope, omitting fields Stripe leaves out.</summary>
internal static class ErrorBody
{
    public static JsonObject Build(string type, string message, string? code, string? param, string? requestId, JsonObject? extra = null)
    {
        var error = new JsonObject();
        if (code is not null)
        {
            error["code"] = code;
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.Replace('_', '-');
        }
        error["message"] = message;
        if (param is not null)
        {
            error["param"] = param;
        }
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                error[key] = value?.DeepClone();
            }
        }
        if (requestId is not null)
        {
            error["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}";
        }
        error["type"] = type;
        return new JsonObject { ["error"] = error };
    }

    public static JsonObject From(StripeApiException e, string requestId) =>
        Build(e.Type, e.Message, e.Code, e.Param, requestId, e.Extra);
}
