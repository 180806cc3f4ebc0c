using Keybrake.StripeSimulator.Endpoints;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Keybrake.StripeSimulator;

/// <summary>A local Stripe API test double served over HTTP on a loopback port.</summary>
public sealed class StripeSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiKeyRegistry _keys;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _requestsGate = new();

    private StripeSimulator(WebApplication app, Uri baseUrl, SimulatedAccount account, FaultPlan faults, ApiKeyRegistry keys)
    {
        _app = app;
        BaseUrl = baseUrl;
        Account = account;
        Faults = faults;
        _keys = keys;
    }

    public Uri BaseUrl { get; }

    public SimulatedAccount Account { get; }

    public FaultPlan Faults { get; }

    /// <summary>Every request received so far, in completion order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requestsGate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Accepts <paramref name="apiKey"/> with permissions like "refunds:write" or "payment_intents:read"; "*" is a full secret key. Re-registering replaces them.</summary>
    public void RegisterKey(string apiKey, params string[] permissions) => _keys.Register(apiKey, permissions);

    /// <summary>Makes the key invalid again (later requests get 401).</summary>
    public bool RevokeKey(string apiKey) => _keys.Revoke(apiKey);

    public static Task<StripeSimulator> StartAsync(CancellationToken ct = default) => StartAsync(new SimulatorOptions(), ct);

    public static async Task<StripeSimulator> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        // No reload on change: its file watcher would watch the working folder recursively.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ApplicationName = typeof(StripeSimulator).Assembly.GetName().Name,
        });
        // The host app's appsettings or ASPNETCORE_ variables must not reconfigure the simulator's Kestrel.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        var app = builder.Build();

        var file = options.StatePath is { } path ? new StateFile(path) : null;
        var account = new SimulatedAccount(file: file);
        var faults = new FaultPlan();
        var keys = new ApiKeyRegistry();
        StripeSimulator? simulator = null;
        var pipeline = new RequestPipeline(account, keys, faults, new IdempotencyStore(file), ApiRoutes.Build(), r => simulator!.Record(r));
        app.Run(pipeline.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);

        var address = app.Urls.First();
        simulator = new StripeSimulator(app, new Uri(address.TrimEnd('/') + "/"), account, faults, keys) { _file = file };
        return simulator;
    }

    private void Record(RecordedRequest request)
    {
        lock (_requestsGate)
        {
            _requests.Add(request);
        }
    }

    private StateFile? _file;

    /// <summary>
    /// A value kept with an account in a file (<see cref="SimulatorOptions.StatePath"/>), created once by
    /// <paramref name="create"/>; in memory it is created anew.
    /// </summary>
    public string AccountValue(string key, Func<string> create) => _file?.Meta(key, create) ?? create();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _file?.Dispose();
    }
}
