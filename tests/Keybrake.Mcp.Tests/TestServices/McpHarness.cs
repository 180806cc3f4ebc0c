using Keybrake.Mcp.Ledger.Sqlite;
using System.IO.Pipelines;
using System.Text.Json;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Mcp;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A real MCP server and the SDK's real client over in-memory pipes, wired exactly as <c>serve</c> wires them,
/// with every log line captured so tests can check that no secret leaks.
/// </summary>
public sealed class McpHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly McpServer _server;
    private readonly Task _serverRun;
    private readonly CancellationTokenSource _stop;

    private McpHarness(ServiceProvider services, McpServer server, Task serverRun, CancellationTokenSource stop, McpClient client, CapturedLogs logs)
    {
        _services = services;
        _server = server;
        _serverRun = serverRun;
        _stop = stop;
        Client = client;
        Logs = logs;
    }

    public McpClient Client { get; }

    public CapturedLogs Logs { get; }

    public static async Task<McpHarness> StartAsync(StripeWorld world, string agent, IReadOnlyDictionary<string, string?>? environment = null, McpClientOptions? clientOptions = null)
    {
        var env = environment ?? world.Environment();
        var load = ManifestLoader.LoadDirectory(world.ManifestsDirectory);
        Assert.True(load.IsValid, string.Join("\n", load.Errors));
        var manifests = load.Set!;
        var role = manifests.RoleOf(agent) ?? throw new ArgumentException($"{agent} is in no test manifest");

        var logs = new CapturedLogs();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddKeybrake(manifests, new KeybrakeOptions(Keybrake.Mcp.Ledger.LedgerLocation.Parse(world.DatabasePath), StripeConnection.FromEnvironment(n => env.GetValueOrDefault(n)), n => env.GetValueOrDefault(n))
            {
                ManifestsDirectory = world.ManifestsDirectory,
            })
            .AddSingleton<ICallerResolver>(new FixedCaller(agent))
            .BuildServiceProvider();
        await services.GetRequiredService<Keybrake.Mcp.Ledger.ILedgerDatabase>().MigrateAsync(CancellationToken.None);

        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var options = new McpServerOptions
        {
            ServerInfo = McpServerSetup.ServerInfo,
            ToolCollection = [.. McpServerSetup.ToolsFor(role, services.GetRequiredService<ToolRegistry>())],
        };
        McpServerSetup.RefuseOtherTools(options);
        ProtocolGuard.Apply(options);
        services.GetRequiredService<LiveToolSets>().Register(agent, options.ToolCollection);
        await services.GetRequiredService<ManifestReloadService>().StartAsync(CancellationToken.None);
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();
        var server = McpServer.Create(new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()), options, loggerFactory, services);
        var stop = new CancellationTokenSource();
        var run = server.RunAsync(stop.Token);
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()), clientOptions, loggerFactory);
        return new McpHarness(services, server, run, stop, client, logs);
    }

    public async Task<CallToolResult> CallAsync(string tool, object arguments)
    {
        var json = JsonSerializer.SerializeToElement(arguments);
        var dictionary = json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        return await Client.CallToolAsync(tool, dictionary);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        try
        {
            await _serverRun;
        }
        catch (OperationCanceledException)
        {
        }

        await _server.DisposeAsync();
        await _services.GetRequiredService<ManifestReloadService>().StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
