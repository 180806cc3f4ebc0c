using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Overhead of one governed refund: the whole pipeline (identify, validate, rate count, resolve over Stripe.net, budget
/// hold + "started" audit row, execute, settle + complete) against the bare Stripe.net calls the tool makes (GET payment
/// intent, GET charge, POST refund) to the same zero-latency Stripe: in-process (judged) and over 127.0.0.1. Samples
/// are interleaved so noise hits all cases alike.
/// </summary>
public static class OverheadScenario
{
    public static async Task RunAsync(int iterations, int rounds)
    {
        await using var stripe = await CannedStripe.StartAsync();
        // The judged pair talks to the in-process Stripe (an HttpMessageHandler, as the target is stated); the pair over
        // 127.0.0.1 adds Kestrel and sockets to both sides and is reported beside it.
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "overhead", stripeHandler: stripe.Handler);
        await using var loopback = await BenchWorld.StartAsync(stripe.BaseUrl, name: "overhead-loopback");
        await using var fullSync = await BenchWorld.StartAsync(stripe.BaseUrl, fullSync: true, name: "overhead-full");
        var pure = world.PipelineOver(new InstantRefund());
        var pureFull = fullSync.PipelineOver(new InstantRefund());
        var bare = stripe.BareClient(inProcess: true);
        var bareLoopback = stripe.BareClient(inProcess: false);

        static Task Run(GovernancePipeline pipeline) =>
            BenchWorld.Expect(pipeline.RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);

        var cases = new (string Name, Func<Task> Run, List<double> Samples, List<double> RoundMedians)[]
        {
            ("bare Stripe.net: GET pi + GET charge + POST refund, in-process Stripe (baseline)", () => CannedStripe.BareRefundAsync(bare), [], []),
            ("governed issue_refund (pipeline + Stripe.net), in-process Stripe", () => Run(world.Pipeline), [], []),
            ("bare Stripe.net: the same 3 requests over 127.0.0.1 (Kestrel)", () => CannedStripe.BareRefundAsync(bareLoopback), [], []),
            ("governed issue_refund over 127.0.0.1 (Kestrel)", () => Run(loopback.Pipeline), [], []),
            ("pipeline alone (instant tool, no HTTP)", () => Run(pure), [], []),
            ("pipeline alone, KEYBRAKE_DB_SYNCHRONOUS=full", () => Run(pureFull), [], []),
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
        var table = new Table($"overhead: governed refund vs bare Stripe.net (zero-latency Stripe, in-process and on 127.0.0.1; {rounds} rounds x {iterations} calls, interleaved)");
        foreach (var c in cases)
        {
            var median = Stats.Median(c.Samples);
            table.Add($"{c.Name} [ms]", Stats.F(median), Stats.F(Stats.Percentile(c.Samples, 99)), $"{median / baseMedian:F2}x");
        }

        // Overhead per round (median of governed - median of its baseline in the same round), then the median over rounds.
        List<double> Overheads(int governed, int bareCase) => cases[governed].RoundMedians.Zip(cases[bareCase].RoundMedians, (g, b) => g - b).ToList();
        double P99Overhead(int governed, int bareCase) => Stats.Percentile(cases[governed].Samples, 99) - Stats.Percentile(cases[bareCase].Samples, 99);
        var judged = Overheads(1, 0);
        var medianOverhead = Stats.Median(judged);
        var p99Overhead = P99Overhead(1, 0);
        table.Add("**overhead per governed refund** (governed - baseline, in-process Stripe) [ms]", Stats.F(medianOverhead), Stats.F(p99Overhead), "-",
            "median <= 0.5, p99 <= 2", medianOverhead <= 0.5 && p99Overhead <= 2);
        table.Add("overhead per governed refund over 127.0.0.1 [ms]", Stats.F(Stats.Median(Overheads(3, 2))), Stats.F(P99Overhead(3, 2)));
        table.Add("governance alone (instant tool) [ms]", Stats.F(Stats.Median(cases[4].Samples)), Stats.F(Stats.Percentile(cases[4].Samples, 99)), "-",
            "median <= 0.5, p99 <= 2", Stats.Median(cases[4].Samples) <= 0.5 && Stats.Percentile(cases[4].Samples, 99) <= 2);
        table.Add("overhead per round, min..max (in-process Stripe) [ms]", $"{Stats.F(judged.Min())}..{Stats.F(judged.Max())}");
        table.Print();
    }
}
