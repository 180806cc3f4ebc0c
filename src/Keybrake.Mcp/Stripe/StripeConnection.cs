namespace Keybrake.Mcp.Stripe;

/// <summary>How to reach Stripe: the API base (a local double in tests), the per-request timeout and Stripe.net's retries.</summary>
/// <param name="MaxNetworkRetries">Stripe.net's own retries of network failures, 409 and 5xx, on the same idempotency key.</param>
/// <param name="MaxRetries">Our retries of 429 answers (which Stripe.net does not retry), on the same idempotency key.</param>
/// <param name="RetryBaseDelay">First backoff of those retries; it doubles each time, with jitter.</param>
public sealed record StripeConnection(Uri? ApiBase, TimeSpan Timeout, int MaxNetworkRetries, int MaxRetries = 3, TimeSpan RetryBaseDelay = default)
{
    /// <summary>
    /// Sends Stripe's requests through this handler instead of the network (an in-process Stripe for benchmarks and
    /// tests); null, the default, uses sockets.
    /// </summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Environment variable that points every Stripe call at another base URL.</summary>
    public const string ApiBaseVariable = "KEYBRAKE_STRIPE_API_BASE";

    public static StripeConnection FromEnvironment(Func<string, string?> env)
    {
        var apiBase = env(ApiBaseVariable) is { Length: > 0 } text ? new Uri(text) : null;
        var timeout = int.TryParse(env("KEYBRAKE_STRIPE_TIMEOUT_MS"), out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.FromSeconds(30);
        var retries = int.TryParse(env("KEYBRAKE_STRIPE_MAX_RETRIES"), out var r) && r >= 0 ? r : 2;
        var baseDelay = int.TryParse(env("KEYBRAKE_STRIPE_RETRY_BASE_MS"), out var b) && b >= 0 ? TimeSpan.FromMilliseconds(b) : TimeSpan.FromMilliseconds(250);
        return new StripeConnection(apiBase, timeout, retries, MaxRetries: 3, RetryBaseDelay: baseDelay);
    }
}
