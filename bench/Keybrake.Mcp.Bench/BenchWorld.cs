using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Manifests in a temp folder, a ledger file and the server's own wiring (<see cref="KeybrakeServices.AddKeybrake"/>)
/// pointed at the canned Stripe. Roles: <c>support-refunds</c> (room to spend, an agent and a role budget), <c>spread</c>
/// (agent budgets only), <c>broke</c> (budget used up), <c>capped</c> (a 50.00 USD role budget shared by 16 agents),
/// <c>gone</c> (revoked).
/// </summary>
public sealed class BenchWorld : IAsyncDisposable
{
    public const int Callers = 16;
    public const string Key = "rk_test_BenchRefundKey000000000000001";

    private BenchWorld(string dir) => Dir = dir;

    public string Dir { get; }

    public string ManifestsDirectory => Path.Combine(Dir, "tool-manifests");

    public string DatabasePath => Path.Combine(Dir, "keybrake.db");

    public ManifestSet Manifests { get; private set; } = null!;

    public ServiceProvider Services { get; private set; } = null!;

    public GovernancePipeline Pipeline => Services.GetRequiredService<GovernancePipeline>();

    public ILedger Ledger => Services.GetRequiredService<ILedger>();

    public ILedgerDatabase Database => Services.GetRequiredService<ILedgerDatabase>();

    public Dictionary<string, string?> Environment { get; private set; } = null!;

    public static string NewTempDirectory(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "keybrake-bench", $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <param name="databasePath">An existing ledger to use (e.g. the large history one, or a PostgreSQL URL); default a fresh file.</param>
    /// <param name="stripeHandler">Sends the Stripe tools' requests through this in-process handler instead of to <paramref name="stripeBase"/>'s socket.</param>
    public static async Task<BenchWorld> StartAsync(string stripeBase, string? databasePath = null, bool fullSync = false, string name = "world",
        HttpMessageHandler? stripeHandler = null)
    {
        var world = new BenchWorld(NewTempDirectory(name));
        WriteManifests(world.ManifestsDirectory);
        var loaded = ManifestLoader.LoadDirectory(world.ManifestsDirectory);
        world.Manifests = loaded.Set ?? throw new InvalidOperationException(string.Join("; ", loaded.Errors.Select(e => e.ToString())));
        var db = databasePath ?? world.DatabasePath;
        world.Environment = new Dictionary<string, string?>
        {
            ["KEYBRAKE_STRIPE_API_BASE"] = stripeBase,
            ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = Key,
            ["KEYBRAKE_STRIPE_KEY_BROKE"] = "rk_test_BenchBrokeKey0000000000000001",
            ["KEYBRAKE_STRIPE_KEY_CAPPED"] = "rk_test_BenchCappedKey000000000000001",
            ["KEYBRAKE_STRIPE_KEY_GONE"] = "rk_test_BenchGoneKey00000000000000001",
            ["KEYBRAKE_STRIPE_KEY_SPREAD"] = "rk_test_BenchSpreadKey000000000000001",
            ["KEYBRAKE_MANIFESTS"] = world.ManifestsDirectory,
            ["KEYBRAKE_DB"] = db,
            ["KEYBRAKE_STRIPE_MAX_RETRIES"] = "0",
            ["KEYBRAKE_DB_SYNCHRONOUS"] = fullSync ? "full" : null,
            ["HOME"] = world.Dir,
        };
        var env = world.Environment;
        var services = new ServiceCollection();
        services.AddLogging(); // no providers: the bench measures governance, not console output
        services.AddKeybrake(world.Manifests, new KeybrakeOptions(LedgerLocation.Parse(db),
            new StripeConnection(new Uri(stripeBase), TimeSpan.FromSeconds(30), 0, 0, TimeSpan.FromMilliseconds(20)) { Handler = stripeHandler },
            n => env.GetValueOrDefault(n)));
        world.Services = services.BuildServiceProvider();
        await world.Database.MigrateAsync(CancellationToken.None);
        return world;
    }

    /// <summary>The same pipeline and ledger over a tool that resolves and executes at once, with no HTTP: governance alone.</summary>
    public GovernancePipeline PipelineOver(IToolOperation operation)
    {
        var manifests = Services.GetRequiredService<ManifestSource>();
        var ledger = Ledger;
        var registry = new ToolRegistry([operation]);
        return GovernancePipeline.Create(manifests, registry, ledger, new SqlApprovals(Database, TimeProvider.System),
            new Reconciler(ledger, registry, manifests, TimeProvider.System, NullLogger<Reconciler>.Instance), TimeProvider.System, NullLoggerFactory.Instance);
    }

    private static long _request;

    /// <summary>A refund of 1.00 USD with a fresh request_id, so no call is a retry of another.</summary>
    public static JsonObject Refund(long amount = 100) => new()
    {
        ["payment_intent"] = CannedStripe.PaymentIntent,
        ["amount"] = amount,
        ["reason"] = "requested_by_customer",
        ["request_id"] = $"r{Interlocked.Increment(ref _request)}-{Guid.NewGuid():N}"[..24],
    };

    public static async Task<ToolResponse> Expect(Task<ToolResponse> call, bool error, string? code = null)
    {
        var response = await call;
        if (response.IsError != error || (code is not null && response.Structured["error"]?["code"]?.GetValue<string>() != code))
        {
            throw new InvalidOperationException($"unexpected answer: {response.Structured.ToJsonString()}");
        }

        return response;
    }

    public static void WriteManifests(string directory)
    {
        Directory.CreateDirectory(directory);
        string Agents(string prefix) => string.Join(", ", Enumerable.Range(0, Callers).Select(i => $"\"{prefix}-{i}\""));
        File.WriteAllText(Path.Combine(directory, "support-refunds.json"), $$"""
        {
          "role": "support-refunds",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", "mode": "test" },
          "agents": ["refund-bot", {{Agents("bench")}}],
          "budgets": [
            { "per": "agent", "window": "day", "limit": "100000000.00 USD" },
            { "per": "role", "window": "day", "limit": "1000000000.00 USD" }
          ],
          "rateLimits": [ { "per": "agent", "calls": 10000000, "window": "minute" } ],
          "tools": {
            "get_payment_intent": {},
            "get_charge": {},
            "issue_refund": { "maxAmount": "200.00 USD", "reasons": ["requested_by_customer", "duplicate"] }
          }
        }
        """);
        File.WriteAllText(Path.Combine(directory, "broke.json"), $$"""
        {
          "role": "broke",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_BROKE", "mode": "test" },
          "agents": [{{Agents("broke")}}],
          "budgets": [ { "per": "agent", "window": "day", "limit": "1.00 USD" } ],
          "tools": { "issue_refund": { "maxAmount": "200.00 USD" } }
        }
        """);
        File.WriteAllText(Path.Combine(directory, "capped.json"), $$"""
        {
          "role": "capped",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_CAPPED", "mode": "test" },
          "agents": [{{Agents("capped")}}],
          "budgets": [ { "per": "role", "window": "day", "limit": "50.00 USD" } ],
          "tools": { "issue_refund": { "maxAmount": "200.00 USD" } }
        }
        """);
        File.WriteAllText(Path.Combine(directory, "spread.json"), $$"""
        {
          "role": "spread",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SPREAD", "mode": "test" },
          "agents": [{{Agents("spread")}}],
          "budgets": [ { "per": "agent", "window": "day", "limit": "100000000.00 USD" } ],
          "tools": { "issue_refund": { "maxAmount": "200.00 USD" } }
        }
        """);
        File.WriteAllText(Path.Combine(directory, "gone.json"), $$"""
        {
          "role": "gone",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_GONE", "mode": "test" },
          "agents": [{{Agents("gone")}}],
          "budgets": [ { "per": "agent", "window": "day", "limit": "100.00 USD" } ],
          "tools": { "issue_refund": { "maxAmount": "200.00 USD" } }
        }
        """);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A money-moving <c>issue_refund</c> that resolves and executes at once: the pipeline's cost with nothing behind it.</summary>
public sealed class InstantRefund : IToolOperation
{
    private static readonly Currency Usd = Currency.Get("usd");

    public ToolDeclaration Declaration { get; } = new("issue_refund", "Instant refund", ToolEffect.MovesMoney, "A refund with nothing behind it.");

    public string Describe(RoleManifest role, ToolGrant grant) => "instant";

    public JsonObject InputSchema(RoleManifest role, ToolGrant grant) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["payment_intent"] = new JsonObject { ["type"] = "string", ["pattern"] = "^pi_" },
            ["amount"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = grant.MaxAmount?.Minor ?? long.MaxValue },
            ["reason"] = new JsonObject { ["type"] = "string" },
            ["request_id"] = new JsonObject { ["type"] = "string", ["maxLength"] = 64 },
        },
        ["required"] = new JsonArray("payment_intent"),
        ["additionalProperties"] = false,
    };

    public JsonObject OutputSchema() => new() { ["type"] = "object" };

    private static long Amount(ToolInvocation call) => JsonNumbers.TryGetInt64(call.Arguments["amount"], out var amount) ? amount : 100;

    public Task<Resolution> ResolveAsync(ToolInvocation call, CancellationToken ct) => Task.FromResult(new Resolution
    {
        Object = CannedStripe.PaymentIntent, Scoped = true, Customer = "cus_bench", Action = "refund", Moves = new MoneyAmount(Amount(call), Usd),
    });

    public Task<Reconciliation> ReconcileAsync(AuditRecord call, RoleManifest role, bool replay, CancellationToken ct) =>
        Task.FromResult<Reconciliation>(new Reconciliation.StillUnknown("instant"));

    public Task<ExecutionResult> ExecuteAsync(ToolInvocation call, Resolution resolved, ExecutionKeys keys, CancellationToken ct) =>
        Task.FromResult<ExecutionResult>(new ExecutionResult.Succeeded(
            new JsonObject { ["id"] = "re_instant", ["object"] = "refund", ["amount"] = Amount(call), ["currency"] = "usd", ["status"] = "succeeded" },
            new MoneyAmount(Amount(call), Usd), "re_instant", "req_instant"));
}
