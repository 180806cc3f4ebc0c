using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>Turns what Stripe.net throws into the contract's refusals, scrubbed of anything key-shaped.</summary>
public static partial class StripeFailures
{
    /// <summary>A definite Stripe refusal: <c>stripe_error</c> with Stripe's type, code and request id.</summary>
    public static Denial ToDenial(StripeException ex, string roleName)
    {
        var error = ex.StripeError;
        var message = Scrub(error?.Message ?? ex.Message);
        if (ex.HttpStatusCode == HttpStatusCode.Forbidden && PermissionPattern().Match(message) is { Success: true } permission)
        {
            message += $" The role's restricted key lacks '{permission.Groups[1].Value}': run 'keybrake-mcp keys plan {roleName}' for the permissions it needs.";
        }

        // error.code stays the contract's "stripe_error"; Stripe's own code travels beside it as stripe_code and in "stripe".
        var stripe = new JsonObject
        {
            ["type"] = error?.Type,
            ["code"] = error?.Code,
            ["decline_code"] = error?.DeclineCode,
            ["param"] = error?.Param,
            ["request_id"] = ex.StripeResponse?.RequestId,
            ["http_status"] = (int)ex.HttpStatusCode,
        };
        return new Denial(DenialCodes.StripeError, $"Stripe refused the request: {message}")
            .With("type", error?.Type)
            .With("stripe_code", error?.Code)
            .With("request_id", ex.StripeResponse?.RequestId)
            .With("stripe", stripe);
    }

    /// <summary>True when no answer came back: a timeout or a dropped connection (Stripe.net has given up retrying).</summary>
    public static bool IsNoAnswer(Exception ex, CancellationToken ct) =>
        ex is HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    /// <summary>Removes anything that looks like a Stripe key, even masked, from text that may reach an agent or a log.</summary>
    public static string Scrub(string text) => KeyPattern().Replace(text, "[redacted key]");

    [GeneratedRegex(@"\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9*]+")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"'(rak_[a-z_]+)'")]
    private static partial Regex PermissionPattern();
}
