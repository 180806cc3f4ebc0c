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

    /// <summary>The connection the environment's settings describe (<see cref="ServerSettings"/>); throws <see cref="SettingsException"/> for unusable ones.</summary>
    public static StripeConnection FromEnvironment(Func<string, string?> env) => FromSettings(ServerSettings.FromEnvironment(env));

    public static StripeConnection FromSettings(ServerSettings settings) => new(settings.StripeApiBase, settings.StripeTimeout, settings.StripeNetworkRetries,
        settings.StripeRateLimitRetries, settings.StripeRetryBaseDelay);
}
