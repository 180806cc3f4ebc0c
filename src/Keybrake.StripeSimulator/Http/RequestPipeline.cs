using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Runs one HTTP request through Stripe's layers: auth, routing, permissions, faults, idempotency, handler.</summary>
internal sealed class RequestPipeline(
    SimulatedAccount account,
    ApiKeyRegistry keys,
    FaultPlan faults,
    IdempotencyStore idempotency,
    RouteTable routes,
    Action<RecordedRequest> record)
{
    public const string DefaultApiVersion = "2026-10-28.endive";
    public const string AccountId = "acct_1Simulated";

    private sealed record Outcome(int Status, string Body, bool Replayed = false, bool Drop = false, string? OriginalRequestId = null);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var requestId = State.StripeIds.New("req", 14);
        // Not cancelled when the client gives up: like Stripe, a request that arrived whole is processed whatever the
        // client does next (a client that drops mid-body still fails the read).
        var form = await FormParams.ReadAsync(request, CancellationToken.None).ConfigureAwait(false);
        var idempotencyKey = request.Method == HttpMethods.Post && request.Headers["Idempotency-Key"] is [{ Length: > 0 } k] ? k : null;

        var outcome = await ProcessAsync(context, requestId, form, idempotencyKey).ConfigureAwait(false);
        record(new RecordedRequest(request.Method, NormalizedPath(request), form.Values, idempotencyKey, outcome.Replayed, outcome.Drop ? 0 : outcome.Status));

        if (outcome.Drop)
        {
            context.Abort();
            return;
        }
        var response = context.Response;
        response.StatusCode = outcome.Status;
        response.ContentType = "application/json";
        response.Headers["Request-Id"] = requestId;
        response.Headers["Stripe-Version"] = request.Headers["Stripe-Version"] is [{ Length: > 0 } v] ? v : DefaultApiVersion;
        if (idempotencyKey is not null)
        {
            response.Headers["Idempotency-Key"] = idempotencyKey;
        }
        if (outcome.Replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
            response.Headers["Original-Request"] = outcome.OriginalRequestId;
        }
        await response.WriteAsync(outcome.Body, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<Outcome> ProcessAsync(HttpContext context, string requestId, FormParams form, string? idempotencyKey)
    {
        var method = context.Request.Method;
        var path = NormalizedPath(context.Request);

        var apiKey = BearerKey(context.Request);
        if (apiKey is null)
        {
            return Error(401, "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
                null, null, null);
        }
        if (!keys.IsKnown(apiKey))
        {
            return Error(401, "invalid_request_error", $"Invalid API Key provided: {ApiKeyRegistry.Mask(apiKey)}", null, null, null);
        }

        if (routes.Match(method, path) is not var (route, id))
        {
            return Error(404, "invalid_request_error",
                $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                null, null, requestId);
        }
        if (!keys.Allows(apiKey, route.Resource, route.Write))
        {
            return Error(403, "invalid_request_error",
                $"The provided key '{ApiKeyRegistry.Mask(apiKey)}' does not have the required permissions for this endpoint on account '{AccountId}'. Having the '{ApiKeyRegistry.RakName(route.Resource, route.Write)}' permission would allow this request to continue.",
                null, null, requestId);
        }

        var fault = faults.TryTake(method, path);
        if (fault is { Kind: FaultKind.Status })
        {
            return Error(fault.Status, fault.ErrorType, fault.Message ?? DefaultFaultMessage(fault.Status), fault.ErrorCode, null, requestId);
        }
        var drop = fault is { Kind: FaultKind.CommitThenDrop };
        if (idempotencyKey is null)
        {
            var direct = await DelayThenExecuteAsync(fault, route, id, method, path, form, requestId).ConfigureAwait(false);
            return direct with { Drop = direct.Drop || drop };
        }

        var (claim, saved) = idempotency.Begin(apiKey, idempotencyKey, method + " " + path + "\n" + form.Fingerprint());
        switch (claim)
        {
            case IdempotencyStore.Claim.Replay:
                return new Outcome(saved!.Status, saved.Body, Replayed: true, Drop: drop, OriginalRequestId: saved.OriginalRequestId);
            case IdempotencyStore.Claim.Mismatch:
                return Error(400, "idempotency_error",
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idempotencyKey}' if you meant to execute a different request.",
                    null, null, requestId);
            case IdempotencyStore.Claim.InFlight:
                return Error(409, "idempotency_error",
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
                    "idempotency_key_in_use", null, requestId);
        }

        // The delay runs after the key is claimed, so a retry during it sees the request as in flight.
        var outcome = await DelayThenExecuteAsync(fault, route, id, method, path, form, requestId).ConfigureAwait(false);
        idempotency.Complete(apiKey, idempotencyKey,
            IdempotencyStore.IsSaved(outcome.Status) ? new IdempotencyStore.Saved(outcome.Status, outcome.Body, requestId) : null);
        return outcome with { Drop = outcome.Drop || drop };
    }

    private async Task<Outcome> DelayThenExecuteAsync(InjectedFault? fault, Route route, string? id, string method, string path, FormParams form, string requestId)
    {
        if (fault is { Kind: FaultKind.Delay })
        {
            // Not tied to RequestAborted: the point is that Stripe keeps working after the client gave up.
            await Task.Delay(fault.Delay).ConfigureAwait(false);
            if (!fault.ApplyChange)
            {
                return new Outcome(0, "", Drop: true);
            }
        }
        return Execute(route, id, method, path, form, requestId);
    }

    /// <remarks>
    /// The handler runs as one change of the account; a refusal is thrown out of it, so an account kept in a file saves
    /// nothing of a refused request (handlers check before they change, but a simulator bug may not).
    /// </remarks>
    private Outcome Execute(Route route, string? id, string method, string path, FormParams form, string requestId)
    {
        try
        {
            return account.Run(() =>
            {
                var store = account.Store;
                var result = route.Handler(new ApiRequest(method, path, id, form, store, account));
                var expand = form.List("expand");
                if (expand.Count > 0)
                {
                    Expander.Apply(result.Body, expand, store);
                }
                // Serialised under the lock so later changes cannot leak into this response.
                return new Outcome(result.Status, result.Body.ToJsonString());
            });
        }
        catch (StripeApiException e)
        {
            return new Outcome(e.Status, ErrorBody.From(e, requestId).ToJsonString());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A simulator bug must still look like Stripe's 500, not an empty body the SDK cannot parse.
            return new Outcome(500, ErrorBody.Build("api_error", "Simulator internal error: " + e.Message, null, null, requestId).ToJsonString());
        }
    }

    private static Outcome Error(int status, string type, string message, string? code, string? param, string? requestId) =>
        new(status, ErrorBody.Build(type, message, code, param, requestId).ToJsonString());

    private static string DefaultFaultMessage(int status) => status switch
    {
        429 => "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        409 => "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request.",
        >= 500 => "An unknown error occurred. Please try again later.",
        _ => "Simulated failure.",
    };

    // A base URL with a trailing slash makes clients send "//v1/..."; Stripe's edge tolerates it too.
    private static string NormalizedPath(HttpRequest request) => "/" + (request.Path.Value ?? "").TrimStart('/');

    private static string? BearerKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim() is { Length: > 0 } key ? key : null;
        }
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // curl -u sk_test_...: sends the key as the Basic user name.
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                return decoded.Split(':')[0] is { Length: > 0 } key ? key : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }
}
