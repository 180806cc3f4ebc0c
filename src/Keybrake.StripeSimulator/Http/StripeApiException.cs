using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Http;

/// <summary>An API error raised by a handler; the pipeline turns it into Stripe's error body.</summary>
internal sealed class StripeApiException(int status, string type, string message, string? code = null, string? param = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Code { get; } = code;
    public string? Param { get; } = param;

    /// <summary>Objects Stripe attaches to some errors (e.g. the payment_intent on capture failures).</summary>
    public JsonObject? Extra { get; init; }

    public static StripeApiException Invalid(string message, string? code = null, string? param = null) =>
        new(400, "invalid_request_error", message, code, param);

    public static StripeApiException NoSuchObject(string kind, string id, string param, int status) =>
        new(status, "invalid_request_error", $"No such {kind}: '{id}'", "resource_missing", param);

    public static StripeApiException Missing(string param) =>
        Invalid($"Missing required param: {param}.", "parameter_missing", param);
}
