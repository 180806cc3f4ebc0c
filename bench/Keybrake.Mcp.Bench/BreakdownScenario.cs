using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Microsoft.Extensions.DependencyInjection;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Where a governed call's time goes: each step of the pipeline for an allowed refund (ledger operations, schema
/// validation, request identity), one caller, on an empty ledger. Not judged against a target: it explains the overhead row.
/// </summary>
public static class BreakdownScenario
{
    /// <param name="databasePath">The ledger (a PostgreSQL URL for the 'instances' scenario); default a fresh SQLite file.</param>
    public static async Task RunAsync(int iterations, string? databasePath = null)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, databasePath: databasePath, name: "breakdown");
        var role = world.Manifests.Roles["support-refunds"];
        var grant = role.Tools["issue_refund"];
        var who = new CallIdentity("refund-bot", role.Role);
        var usd = Currency.Get("usd");
        var ledger = world.Ledger;
        var refund = new InstantRefund();
        var stripeRefund = world.Services.GetServices<IToolOperation>().Single(t => t.Name == "issue_refund");
        var pipeline = world.PipelineOver(refund);
        var arguments = BenchWorld.Refund();
        var schema = stripeRefund.InputSchema(role, grant);
        var started = new Queue<string>();

        var steps = new (string Name, Func<Task> Run)[]
        {
            ("revocation check (FindRevocation)", () => ledger.FindRevocationAsync(who, CancellationToken.None)),
            ("canonical arguments + request identity", () =>
            {
                _ = CanonicalJson.Of(arguments);
                _ = RequestIdentity.For("refund-bot", "issue_refund", arguments);
                return Task.CompletedTask;
            }),
            ("building issue_refund's input schema (once per manifest since the schema cache)", () =>
            {
                _ = stripeRefund.InputSchema(role, grant);
                return Task.CompletedTask;
            }),
            ("validation against that schema", () =>
            {
                _ = ArgumentValidator.Validate(schema, arguments);
                return Task.CompletedTask;
            }),
            ("retry lookup (FindEarlier)", () => ledger.FindEarlierAsync(Guid.NewGuid().ToString("N"), DateTimeOffset.UnixEpoch, CancellationToken.None)),
            ("rate check (CheckRate, read)", () => ledger.CheckRateAsync(who, role.RateLimits, CancellationToken.None)),
            ("unknown-call lookup (ReadUnknown)", () => ledger.ReadUnknownAsync(CannedStripe.PaymentIntent, DateTimeOffset.UtcNow, CancellationToken.None)),
            ("StartCall (rate count, budget check, hold, 'started' row)", async () =>
            {
                var callId = $"call_{Guid.CreateVersion7():N}";
                await ledger.StartCallAsync(new CallStart
                {
                    CallId = callId, Who = who, Tool = "issue_refund", Arguments = """{"amount":100}""", Fingerprint = Guid.NewGuid().ToString("N"),
                    RetryHorizon = DateTimeOffset.UtcNow.AddMinutes(-10), IdempotencyKey = $"kb_{callId}", Hold = new MoneyAmount(100, usd),
                    Budgets = role.Budgets, Object = CannedStripe.PaymentIntent, RateLimits = role.RateLimits,
                }, CancellationToken.None);
                started.Enqueue(callId);
            }),
            ("CompleteCall (settle, 'allowed' row)", () => ledger.CompleteCallAsync(new CallCompletion
            {
                CallId = started.Dequeue(), Outcome = AuditOutcomes.Allowed, MovedMinor = 100, Currency = "usd", DurationMs = 1, Result = """{"id":"re_1"}""",
            }, CancellationToken.None)),
            ("audit write of a refusal (RecordVerdict)", () => ledger.RecordVerdictAsync(
                new Verdict($"call_{Guid.NewGuid():N}", who, "issue_refund", """{"amount":100}""", "budget_exceeded", "bench", null), CancellationToken.None)),
            ("whole pipeline, instant tool", () => BenchWorld.Expect(pipeline.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false)),
        };

        var table = new Table($"breakdown: one allowed refund, step by step (one caller, empty ledger{(databasePath is null ? "" : " on PostgreSQL")}, {iterations} calls per step)");
        foreach (var (name, run) in steps)
        {
            // No separate warm-up for the step that completes what the step before started.
            for (var i = 0; i < (name.StartsWith("CompleteCall", StringComparison.Ordinal) ? 0 : Math.Min(iterations, 200)); i++)
            {
                await run();
            }

            var samples = new List<double>(iterations);
            for (var i = 0; i < iterations; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await run();
                samples.Add(Stats.Ms(Stopwatch.GetTimestamp() - t) * 1000);
            }
            table.Add($"{name} [us]", Stats.F(Stats.Median(samples), 1), Stats.F(Stats.Percentile(samples, 99), 1), "-", "-", null);
        }

        table.Print();
    }
}
