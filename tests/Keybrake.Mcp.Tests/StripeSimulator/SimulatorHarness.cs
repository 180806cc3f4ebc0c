using Stripe;
using Xunit;
using Sim = Keybrake.StripeSimulator.StripeSimulator;

namespace Keybrake.Mcp.Tests.StripeSimulator;

/// <summary>A started simulator with a full secret key and Stripe.net clients pointed at it.</summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    public const string SecretKey = "sk_test_simulatorSecretKey0001";

    private SimulatorHarness(Sim sim) => Sim = sim;

    public Sim Sim { get; }

    public static async Task<SimulatorHarness> StartAsync()
    {
        var sim = await Sim.StartAsync(TestContext.Current.CancellationToken);
        sim.RegisterKey(SecretKey, "*");
        return new SimulatorHarness(sim);
    }

    /// <summary>A client that never retries, so each call is exactly one HTTP request.</summary>
    public StripeClient Client(string apiKey = SecretKey, int retries = 0) => new(new StripeClientOptions
    {
        ApiKey = apiKey,
        ApiBase = Sim.BaseUrl.ToString(),
        HttpClient = new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, maxNetworkRetries: retries),
    });

    public static RequestOptions Key(string idempotencyKey) => new() { IdempotencyKey = idempotencyKey };

    public ValueTask DisposeAsync() => Sim.DisposeAsync();
}
