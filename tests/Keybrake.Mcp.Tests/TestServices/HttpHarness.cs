using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Mcp.Http;
using Keybrake.Mcp.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>The real HTTP server on 127.0.0.1 (an ephemeral port), serving the test world's manifests to token holders.</summary>
public sealed class HttpHarness : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpHarness(WebApplication app, StripeWorld world, CapturedLogs logs)
    {
        _app = app;
        World = world;
        Logs = logs;
        BaseUrl = new Uri(app.Urls.First());
    }

    public StripeWorld World { get; }

    public CapturedLogs Logs { get; }

    public Uri BaseUrl { get; }

    public Uri Endpoint => new(BaseUrl, "/mcp");

    /// <param name="oauth">JWT access tokens accepted beside kbk_ ones; its resource's port is the one the server listens on.</param>
    /// <param name="console">The operators' console at <c>/console</c> too (<c>serve --http --console</c>).</param>
    public static async Task<HttpHarness> StartAsync(StripeWorld world, IReadOnlyDictionary<string, string?>? environment = null, OAuthSettings? oauth = null,
        bool console = false)
    {
        var env = environment ?? world.Environment();
        var manifests = ManifestLoader.LoadDirectory(world.ManifestsDirectory).Set!;
        var logs = new CapturedLogs();
        var app = KeybrakeHttpServer.Build(
            manifests,
            new KeybrakeOptions(Keybrake.Mcp.Ledger.LedgerLocation.Parse(world.DatabasePath), StripeConnection.FromEnvironment(n => env.GetValueOrDefault(n)), n => env.GetValueOrDefault(n))
            {
                ManifestsDirectory = world.ManifestsDirectory,
            },
            new HttpServerSettings(oauth is null ? "http://127.0.0.1:0" : $"http://127.0.0.1:{oauth.Resource.Port}", [], KeybrakeHttpServer.LoopbackHosts)
            {
                OAuth = oauth, Console = console,
            },
            logging => logging.AddProvider(logs));
        await new SqliteDatabase(world.DatabasePath).MigrateAsync(CancellationToken.None);
        await app.StartAsync();
        return new HttpHarness(app, world, logs);
    }

    /// <summary>Issues a token for the agent through the ledger, as <c>token issue</c> does.</summary>
    public async Task<string> IssueTokenAsync(string agent)
    {
        var database = new SqliteDatabase(World.DatabasePath);
        await database.MigrateAsync(CancellationToken.None);
        return (await new AgentTokens(database, TimeProvider.System).IssueAsync(agent, CancellationToken.None)).Token;
    }

    /// <summary>Issues an operator token through the ledger, as <c>operator token issue</c> does.</summary>
    public async Task<string> IssueOperatorTokenAsync(string name)
    {
        var database = new SqliteDatabase(World.DatabasePath);
        await database.MigrateAsync(CancellationToken.None);
        return (await new OperatorCredentials(database, TimeProvider.System).IssueTokenAsync(name, CancellationToken.None)).Value;
    }

    /// <summary>An SDK client over Streamable HTTP, speaking the given protocol version (null: the SDK's newest).</summary>
    public async Task<McpClient> ConnectAsync(string token, string? protocolVersion = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
