using Keybrake.Mcp.Ledger;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// Several <c>serve --http</c> processes on one PostgreSQL ledger (a database of its own), beside one Stripe double, with
/// a token per agent: what several hosts behind a load balancer run.
/// </summary>
public sealed class Instances : IAsyncDisposable
{
    private readonly List<HttpServerProcess> _servers;

    private Instances(StripeWorld world, string url, Dictionary<string, string?> environment, List<HttpServerProcess> servers, Dictionary<string, string> tokens)
    {
        World = world;
        Url = url;
        Environment = environment;
        _servers = servers;
        Tokens = tokens;
    }

    public StripeWorld World { get; }

    /// <summary>The ledger's PostgreSQL URL (with its password: never to be printed by the servers).</summary>
    public string Url { get; }

    public Dictionary<string, string?> Environment { get; }

    public IReadOnlyList<HttpServerProcess> Servers => _servers;

    public IReadOnlyDictionary<string, string> Tokens { get; }

    /// <summary>Starts <paramref name="count"/> servers on a new database, after issuing a token per agent through the CLI.</summary>
    public static async Task<Instances> StartAsync(StripeWorld world, int count, params string[] agents)
    {
        var url = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
        var environment = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_DB"] = url, ["KEYBRAKE_LEASE_SECONDS"] = "4" };
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            var issued = await BuiltTool.RunAsync(environment, "token", "issue", agent);
            Assert.True(issued.ExitCode == 0, issued.Stderr);
            tokens[agent] = issued.Stdout.Trim();
        }

        var servers = (await Task.WhenAll(Enumerable.Range(0, count).Select(_ => HttpServerProcess.StartAsync(environment)))).ToList();
        return new Instances(world, url, environment, servers, tokens);
    }

    public Task<McpClient> ConnectAsync(int server, string agent, string? protocolVersion = null) =>
        HttpServerProcess.ConnectAsync(_servers[server].Endpoint, Tokens[agent], protocolVersion);

    /// <summary>The ledger as a CLI or another host sees it.</summary>
    public async Task<T> LedgerAsync<T>(Func<SqlLedger, Task<T>> read)
    {
        using var database = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(Url), null, CancellationToken.None);
        return await read(new SqlLedger(database, TimeProvider.System));
    }

    /// <summary>Money the role's agents settled and hold, from the ledger.</summary>
    public Task<(long Settled, long Held)> RoleSpendAsync(string role) => LedgerAsync(async ledger =>
    {
        var manifest = Keybrake.Mcp.Manifests.ManifestLoader.LoadDirectory(World.ManifestsDirectory).Set!.Roles[role];
        var usage = (await ledger.ReadUsageAsync(manifest, CancellationToken.None)).Single(u => u.Budget.Per == Keybrake.Mcp.Manifests.LimitScope.Role);
        return (usage.SettledMinor, usage.HeldMinor);
    });

    /// <summary>A full refund of a payment intent through <paramref name="client"/>.</summary>
    public static Task<ModelContextProtocol.Protocol.CallToolResult> RefundAsync(McpClient client, string paymentIntent) =>
        client.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = paymentIntent, ["reason"] = "requested_by_customer" }).AsTask();

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
