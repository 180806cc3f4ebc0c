using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Overhead of one governed refund: the whole pipeline (identify, validate, rate count, resolve over Stripe.net, budget
/// hold + "started" audit row, execute, settle + complete) against the bare Stripe.net calls the tool makes (GET payment
/// intent, GET charge, POST refund) to the same zero-latency Stripe. Samples are interleaved so noise hits both alike.
/// </summary>
public static class OverheadScenario
{
    public static async Task RunAsync(int iterations, int rounds)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "overhead");
        await using var fullSync = await BenchWorld.StartAsync(stripe.BaseUrl, fullSync: true, name: "overhead-full");
        var governed = world.Pipeline;
        var pure = world.PipelineOver(new InstantRefund());
        var pureFull = fullSync.PipelineOver(new InstantRefund());
        var bare = new StripeClient(new StripeClientOptions
        {
            ApiKey = BenchWorld.Key,
            ApiBase = stripe.BaseUrl.TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(new HttpClient(), 0),
        });

        async Task Bare3()
        {
            var intent = await bare.V1.PaymentIntents.GetAsync(CannedStripe.PaymentIntent);
            var charge = await bare.V1.Charges.GetAsync(intent.LatestChargeId);
            await bare.V1.Refunds.CreateAsync(new RefundCreateOptions
            {
                PaymentIntent = CannedStripe.PaymentIntent, Amount = 100, Reason = "requested_by_customer",
                Metadata = new Dictionary<string, string> { ["keybrake_call"] = "call_x", ["keybrake_agent"] = "refund-bot" },
            }, new RequestOptions { IdempotencyKey = $"kb_{Guid.NewGuid():N}" });
            _ = charge;
        }

        async Task BareRefund() => await bare.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = CannedStripe.PaymentIntent, Amount = 100, Reason = "requested_by_customer",
        }, new RequestOptions { IdempotencyKey = $"kb_{Guid.NewGuid():N}" });

        Task Governed() => BenchWorld.Expect(governed.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);
        Task Pure() => BenchWorld.Expect(pure.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);
        Task PureFull() => BenchWorld.Expect(pureFull.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);

        var cases = new (string Name, Func<Task> Run, List<double> Samples, List<double> RoundMedians)[]
        {
            ("bare Stripe.net: GET pi + GET charge + POST refund (baseline)", Bare3, [], []),
            ("bare Stripe.net: POST refund only", BareRefund, [], []),
            ("governed issue_refund (pipeline + Stripe.net)", Governed, [], []),
            ("pipeline alone (instant tool, no HTTP)", Pure, [], []),
            ("pipeline alone, KEYBRAKE_DB_SYNCHRONOUS=full", PureFull, [], []),
        };

        // Warm-up: JIT tiers, connection pools, SQLite page cache.
        for (var i = 0; i < Math.Min(iterations, 1000); i++)
        {
            foreach (var c in cases)
            {
                await c.Run();
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            var roundSamples = cases.Select(_ => new List<double>()).ToArray();
            for (var i = 0; i < iterations; i++)
            {
                // Rotate the order so no case always runs right after another.
                for (var k = 0; k < cases.Length; k++)
                {
                    var index = (i + k) % cases.Length;
                    var start = Stopwatch.GetTimestamp();
                    await cases[index].Run();
                    roundSamples[index].Add(Stats.Ms(Stopwatch.GetTimestamp() - start));
                }
            }

            for (var k = 0; k < cases.Length; k++)
            {
                cases[k].Samples.AddRange(roundSamples[k]);
                cases[k].RoundMedians.Add(Stats.Median(roundSamples[k]));
            }
        }

        var baseline = cases[0];
        var baseMedian = Stats.Median(baseline.Samples);
        var baseP99 = Stats.Percentile(baseline.Samples, 99);
        var table = new Table($"overhead: governed refund vs bare Stripe.net (in-process zero-latency Stripe on 127.0.0.1; {rounds} rounds x {iterations} calls, interleaved)");
        foreach (var c in cases)
        {
            var median = Stats.Median(c.Samples);
            table.Add($"{c.Name} [ms]", Stats.F(median), Stats.F(Stats.Percentile(c.Samples, 99)), $"{median / baseMedian:F2}x");
        }

        var governedSamples = cases[2].Samples;
        // Overhead per round (median of governed - median of baseline in the same round), then the median over rounds.
        var roundOverheads = cases[2].RoundMedians.Zip(baseline.RoundMedians, (g, b) => g - b).ToList();
        var medianOverhead = Stats.Median(roundOverheads);
        var p99Overhead = Stats.Percentile(governedSamples, 99) - baseP99;
        table.Add("**overhead per governed refund** (governed - baseline) [ms]", Stats.F(medianOverhead), Stats.F(p99Overhead), "-",
            "median <= 0.5, p99 <= 2", medianOverhead <= 0.5 && p99Overhead <= 2);
        table.Add("governance alone (instant tool) [ms]", Stats.F(Stats.Median(cases[3].Samples)), Stats.F(Stats.Percentile(cases[3].Samples, 99)), "-",
            "median <= 0.5, p99 <= 2", Stats.Median(cases[3].Samples) <= 0.5 && Stats.Percentile(cases[3].Samples, 99) <= 2);
        table.Add("overhead per round, min..max [ms]", $"{Stats.F(roundOverheads.Min())}..{Stats.F(roundOverheads.Max())}");
        table.Print();
    }
}
