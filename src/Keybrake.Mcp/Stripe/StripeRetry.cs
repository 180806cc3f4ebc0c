using System.Net;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// Retries what Stripe asks to be retried — 429 rate limits, 409 lock timeouts, 5xx — with exponential backoff and
/// jitter. The caller's request options (and so its idempotency key) are reused, so a retry is the same request.
/// Stripe.net itself retries only network failures, 409 and 5xx, and never 429.
/// </summary>
public sealed class StripeRetry(StripeConnection connection, TimeProvider time)
{
    public int MaxRetries => connection.MaxRetries;

    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken ct)
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

    /// <summary>True for the answers that mean "not now" rather than "no".</summary>
    public static bool IsRetryable(StripeException ex) =>
        ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || (int)ex.HttpStatusCode >= 500;

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

    /// <summary>A 5xx may have been applied before Stripe failed: after the last retry the outcome is unknown, not failed.</summary>
    public static bool MayHaveApplied(StripeException ex) => (int)ex.HttpStatusCode >= 500;

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = connection.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
        // Full jitter keeps several agents that hit the same limit from retrying in lockstep.
        return TimeSpan.FromMilliseconds(baseMs / 2 + Random.Shared.NextDouble() * baseMs / 2);
    }
}
