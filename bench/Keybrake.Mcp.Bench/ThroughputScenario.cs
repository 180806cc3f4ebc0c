using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Stripe;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// 16 concurrent callers in one server (one pipeline, one ledger file), each its own agent: allowed refunds, refusals
/// (budget used up; revoked), and a race of 16 callers at a 50.00 USD role budget that must end at exactly 50 refunds.
/// </summary>
public static class ThroughputScenario
{
    public static async Task RunAsync(double seconds, int runs)
    {
        await using var stripe = await CannedStripe.StartAsync();
        // Allowed calls are judged with the in-process Stripe (an HttpMessageHandler): on these 2 cores a Stripe served by
        // Kestrel in the same process spends half of the CPU on Stripe's side of each request. Over 127.0.0.1 is reported
        // beside it. Refusals never reach Stripe.
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "throughput");
        await using var inProcess = await BenchWorld.StartAsync(stripe.BaseUrl, name: "throughput-in-process", stripeHandler: stripe.Handler);
        var governed = world.Pipeline;
        var pure = world.PipelineOver(new InstantRefund());
        var bare = stripe.BareClient(inProcess: true);
        var bareLoopback = stripe.BareClient(inProcess: false);

        // The broke agents spend their 1.00 USD; the gone role is revoked.
        for (var i = 0; i < BenchWorld.Callers; i++)
        {
            await BenchWorld.Expect(governed.RunAsync($"broke-{i}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);
        }

        await world.Ledger.RevokeAsync("role:gone", "bench", CancellationToken.None);

        var cases = new (string Name, Func<int, Task> Call, string Target, double Min)[]
        {
            ("bare Stripe.net, 3 requests per refund, in-process Stripe (baseline)", _ => CannedStripe.BareRefundAsync(bare), "-", 0),
            ("allowed governed refunds, in-process Stripe",
                c => BenchWorld.Expect(inProcess.Pipeline.RunAsync($"bench-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false), ">= 2,000/s", 2000),
            ("bare Stripe.net, 3 requests per refund, over 127.0.0.1 (Kestrel in this process)", _ => CannedStripe.BareRefundAsync(bareLoopback), "-", 0),
            ("allowed governed refunds, over 127.0.0.1 (Kestrel in this process)",
                c => BenchWorld.Expect(governed.RunAsync($"bench-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false), "-", 0),
            ("allowed, pipeline alone (instant tool)", c => BenchWorld.Expect(pure.RunAsync($"bench-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false),
                "-", 0),
            ("refused: budget exhausted", c => BenchWorld.Expect(governed.RunAsync($"broke-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: true, DenialCodes.BudgetExceeded),
                ">= 20,000/s", 20000),
            ("refused: revoked", c => BenchWorld.Expect(governed.RunAsync($"gone-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: true, DenialCodes.Revoked),
                ">= 20,000/s", 20000),
        };

        // Warm-up, long enough for the hot methods to reach their optimized tier: on 2 busy cores the JIT's background
        // tier-up competes with 16 callers, and a server runs far longer than a benchmark.
        foreach (var c in cases)
        {
            await Measure(c.Call, Math.Min(2, seconds));
        }

        var rates = cases.Select(_ => new List<double>()).ToArray();
        var cpus = cases.Select(_ => new List<double>()).ToArray();
        var latencies = cases.Select(_ => new List<double>()).ToArray();
        for (var run = 0; run < runs; run++)
        {
            for (var k = 0; k < cases.Length; k++)
            {
                var (rate, cpu, lat) = await Measure(cases[k].Call, seconds);
                rates[k].Add(rate);
                cpus[k].Add(cpu);
                latencies[k].AddRange(lat);
            }
        }

        var table = new Table($"throughput: {BenchWorld.Callers} concurrent callers, one in-process server ({runs} runs x {seconds:0.#} s; median of runs)");
        var baseRate = Stats.Median(rates[0]);
        for (var k = 0; k < cases.Length; k++)
        {
            var rate = Stats.Median(rates[k]);
            // CPU time per call does not depend on what else the machine runs: the rate both cores could sustain.
            var cpu = Stats.Median(cpus[k]);
            table.Add($"{cases[k].Name} [calls/s (CPU per call -> calls/s {Environment.ProcessorCount} cores allow); latency ms]",
                $"{rate:N0}/s ({Stats.F(cpu, 0)} us CPU -> {Environment.ProcessorCount * 1e6 / cpu:N0}/s; {Stats.F(Stats.Median(latencies[k]), 2)} ms)",
                $"{Stats.F(Stats.Percentile(latencies[k], 99), 2)} ms", $"{rate / baseRate:F2}x", cases[k].Target, cases[k].Min > 0 ? rate >= cases[k].Min : null);
        }

        // The race: 16 callers at a 50.00 USD role budget, 1.00 USD per refund, until each is refused.
        var overshoots = new List<long>();
        for (var run = 0; run < runs; run++)
        {
            await using var race = await BenchWorld.StartAsync(stripe.BaseUrl, name: "race");
            stripe.ResetCounts();
            var allowed = 0;
            await Task.WhenAll(Enumerable.Range(0, BenchWorld.Callers).Select(c => Task.Run(async () =>
            {
                while (true)
                {
                    var response = await race.Pipeline.RunAsync($"capped-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None);
                    if (response.IsError)
                    {
                        if (response.Structured["error"]?["code"]?.GetValue<string>() != DenialCodes.BudgetExceeded)
                        {
                            throw new InvalidOperationException(response.Structured.ToJsonString());
                        }

                        return;
                    }

                    Interlocked.Increment(ref allowed);
                }
            })));
            overshoots.Add(stripe.RefundedMinor - 5000);
            if (allowed != stripe.Refunds)
            {
                throw new InvalidOperationException($"allowed {allowed} but Stripe saw {stripe.Refunds} refunds");
            }
        }

        table.Add($"budget overshoot: 16 callers race a 50.00 USD budget, {runs} runs [USD cents over]", $"{overshoots.Max()} (Stripe refunded {Stats.F((5000 + overshoots.Max()) / 100.0, 2)} USD)",
            "-", "-", "0", overshoots.Max() <= 0);
        table.Print();
    }

    /// <summary>Calls from <paramref name="callers"/> concurrent callers for <paramref name="seconds"/>: calls/s, CPU of this process per call, each call's latency.</summary>
    internal static async Task<(double Rate, double CpuMicrosPerCall, List<double> Latencies)> Measure(Func<int, Task> call, double seconds, int callers = BenchWorld.Callers)
    {
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var perCaller = new List<double>[callers];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var samples = perCaller[c] = [];
            while (Stopwatch.GetTimestamp() < stop)
            {
                var t = Stopwatch.GetTimestamp();
                await call(c);
                samples.Add(Stats.Ms(Stopwatch.GetTimestamp() - t));
            }
        })));
        var elapsed = Stats.Ms(Stopwatch.GetTimestamp() - started) / 1000;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var all = perCaller.SelectMany(s => s).ToList();
        return (all.Count / elapsed, cpu / all.Count, all);
    }
}
