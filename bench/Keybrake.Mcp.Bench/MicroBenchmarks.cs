using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Stripe;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// BenchmarkDotNet for the micro parts, in-process (no generated project): <c>-- micro</c> runs all,
/// <c>-- micro --filter *Ledger*</c> narrows (BenchmarkDotNet's own arguments follow <c>micro</c>).
/// </summary>
public static class MicroBenchmarks
{
    public static void Run(string[] args)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15).WithUnrollFactor(1).WithInvocationCount(256))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "keybrake-bench", "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(RefundOverhead), typeof(LedgerHistory)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
    }
}

/// <summary>One refund: bare Stripe.net (baseline) vs the governed pipeline, against the zero-latency canned Stripe.</summary>
public class RefundOverhead
{
    private CannedStripe _stripe = null!;
    private BenchWorld _world = null!;
    private StripeClient _bare = null!;
    private GovernancePipeline _governed = null!;
    private GovernancePipeline _instant = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stripe = CannedStripe.StartAsync().GetAwaiter().GetResult();
        _world = BenchWorld.StartAsync(_stripe.BaseUrl, name: "micro").GetAwaiter().GetResult();
        _governed = _world.Pipeline;
        _instant = _world.PipelineOver(new InstantRefund());
        _bare = new StripeClient(new StripeClientOptions
        {
            ApiKey = BenchWorld.Key, ApiBase = _stripe.BaseUrl.TrimEnd('/'), HttpClient = new SystemNetHttpClient(new HttpClient(), 0),
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _world.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "bare Stripe.net: GET pi, GET charge, POST refund")]
    public async Task BareStripe()
    {
        var intent = await _bare.V1.PaymentIntents.GetAsync(CannedStripe.PaymentIntent);
        await _bare.V1.Charges.GetAsync(intent.LatestChargeId);
        await _bare.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = CannedStripe.PaymentIntent, Amount = 100 },
            new RequestOptions { IdempotencyKey = $"kb_{Guid.NewGuid():N}" });
    }

    [Benchmark(Description = "governed issue_refund")]
    public Task<ToolResponse> Governed() => _governed.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None);

    [Benchmark(Description = "pipeline alone (instant tool)")]
    public Task<ToolResponse> PipelineAlone() => _instant.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None);
}

/// <summary>Budget check and audit write on an empty ledger vs the 1M-record one (seeded once per process).</summary>
public class LedgerHistory
{
    private static readonly Lazy<string> Large = new(() =>
    {
        var path = Path.Combine(BenchWorld.NewTempDirectory("micro-history"), "large.db");
        HistoryScenario.SeedAsync(path).GetAwaiter().GetResult();
        return path;
    });

    private CannedStripe _stripe = null!;
    private BenchWorld _world = null!;
    private RoleManifest _role = null!;
    private CallIdentity _who = null!;

    [Params("empty", "1M records")]
    public string History { get; set; } = "empty";

    [GlobalSetup]
    public void Setup()
    {
        _stripe = CannedStripe.StartAsync().GetAwaiter().GetResult();
        _world = BenchWorld.StartAsync(_stripe.BaseUrl, History == "empty" ? null : Large.Value, name: "micro-ledger").GetAwaiter().GetResult();
        _role = _world.Manifests.Roles["support-refunds"];
        _who = new CallIdentity("refund-bot", _role.Role);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _world.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "budget check (StartCall refused over budget)")]
    public Task<StartDecision> BudgetCheck() => _world.Ledger.StartCallAsync(new CallStart
    {
        CallId = $"call_{Guid.NewGuid():N}", Who = _who, Tool = "issue_refund", Arguments = "{}", RetryHorizon = DateTimeOffset.UnixEpoch,
        IdempotencyKey = "kb_x", Hold = new MoneyAmount(long.MaxValue / 4, Currency.Get("usd")), Budgets = _role.Budgets,
    }, CancellationToken.None);

    [Benchmark(Description = "audit write (RecordVerdict)")]
    public Task AuditWrite() => _world.Ledger.RecordVerdictAsync(
        new Verdict($"call_{Guid.NewGuid():N}", _who, "issue_refund", """{"amount":100}""", "budget_exceeded", "bench", null), CancellationToken.None);
}
