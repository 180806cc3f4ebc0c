using System.Diagnostics;
using System.Net;
using Keybrake.Mcp.Observability;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// Retries what Stripe.net leaves to us: a 429 rate limit, with exponential backoff and jitter. Everything else that
/// means "not now" (network failures, timeouts, 409 lock timeouts, 5xx, <c>Stripe-Should-Retry</c>) Stripe.net already
/// retries itself, <see cref="StripeConnection.MaxNetworkRetries"/> times, on the same idempotency key: retrying those
/// here too would multiply the attempts (it once made up to 12 HTTP requests of one call). The caller's request options
/// (and so its idempotency key) are reused, so a retry is the same request.
/// </summary>
public sealed class StripeRetry(StripeConnection connection, TimeProvider time)
{
    /// <summary>How many times Stripe.net itself retries a request before its error reaches us.</summary>
    public int NetworkRetries => connection.MaxNetworkRetries;

    /// <param name="tool">The tool, and <paramref name="operation"/> the step of its call (resolve, execute, ...), for telemetry.</param>
    public Task<T> RunAsync<T>(string tool, string operation, Func<Task<T>> call, CancellationToken ct) =>
        StripeTelemetry.Enabled ? RunObservedAsync(tool, operation, call, ct) : RunAsync(call, ct);

    private async Task<T> RunObservedAsync<T>(string tool, string operation, Func<Task<T>> call, CancellationToken ct)
    {
        using var span = StripeTelemetry.Start(tool, operation);
        var started = StripeTelemetry.Started();
        try
        {
            return await RunAsync(call, ct);
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            StripeTelemetry.Stop(started, tool, operation);
        }
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (StripeException ex) when (IsRetryable(ex) && attempt < connection.MaxRetries)
            {
                await Task.Delay(Backoff(attempt), time, ct);
            }
        }
    }

    /// <summary>True for the "not now" answer Stripe.net does not retry on its own: 429.</summary>
    public static bool IsRetryable(StripeException ex) => ex.HttpStatusCode is HttpStatusCode.TooManyRequests;

    /// <summary>409 for an idempotency key another request is still using: an earlier attempt of the same request runs at Stripe.</summary>
    public static bool IsKeyInUse(StripeException ex) =>
        ex.HttpStatusCode == HttpStatusCode.Conflict && (ex.StripeError?.Code == "idempotency_key_in_use" || ex.StripeError?.Type == "idempotency_error");

    /// <summary>
    /// An error Stripe gives before its idempotency layer has looked at the request (authentication, permissions, rate
    /// limits, a lock it could not take, parameters that do not match the key's first request): it says nothing about
    /// whether an earlier attempt under the same key was applied. Not so for an answer marked <c>Idempotent-Replayed</c>,
    /// which is Stripe's stored answer to that first attempt.
    /// </summary>
    public static bool SaysNothingAboutEarlierAttempts(StripeException ex) =>
        !IsReplayedAnswer(ex)
        && (ex.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict
            || ex.StripeError?.Type == "idempotency_error");

    /// <summary>Stripe's stored answer to the first request under this idempotency key, sent again.</summary>
    public static bool IsReplayedAnswer(StripeException ex) =>
        ex.StripeResponse?.Headers is { } headers && headers.TryGetValues("Idempotent-Replayed", out var values)
        && values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>A 5xx may have been applied before Stripe failed: after Stripe.net's last retry the outcome is unknown, not failed.</summary>
    public static bool MayHaveApplied(StripeException ex) => (int)ex.HttpStatusCode >= 500;

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = connection.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
        // Full jitter keeps several agents that hit the same limit from retrying in lockstep.
        return TimeSpan.FromMilliseconds(baseMs / 2 + Random.Shared.NextDouble() * baseMs / 2);
    }
}
