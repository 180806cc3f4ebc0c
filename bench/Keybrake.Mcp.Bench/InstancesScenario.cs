using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// One process on SQLite beside 1, 2 and 3 instances on one PostgreSQL (a throwaway cluster on this machine), each
/// instance its own wiring and connection pool, 16 callers spread over them, the pipeline over an instant tool (the
/// ledger's cost, not Stripe's): allowed calls (every one reserving against its agent's budget and the role's one budget:
/// the hot lock), allowed calls of a role with agent budgets only, refusals (revoked), one caller's latency, and a race of
/// 16 callers at a 50.00 USD role budget through all instances, which must end at exactly 50 refunds.
/// </summary>
public static class InstancesScenario
{
    private static readonly int[] Counts = [1, 2, 3];

    public static async Task RunAsync(double seconds, int runs)
    {
        var cluster = await PostgresCluster.GetAsync();
        await using var stripe = await CannedStripe.StartAsync();
        var table = new Table($"instances: SQLite (one process) beside 1-3 instances on one PostgreSQL, {BenchWorld.Callers} callers spread over them " +
                              $"({runs} runs x {seconds:0.#} s; median of runs)");
        var configurations = new List<(string Name, int Instances, bool Postgres)> { ("SQLite, 1 process", 1, false) };
        configurations.AddRange(Counts.Select(n => ($"PostgreSQL, {n} instance{(n > 1 ? "s" : "")}", n, true)));
        foreach (var (name, count, postgres) in configurations)
        {
            var url = postgres ? await cluster.CreateDatabaseAsync() : null;
            var worlds = new List<BenchWorld>();
            for (var i = 0; i < count; i++)
            {
                worlds.Add(await BenchWorld.StartAsync(stripe.BaseUrl, databasePath: url, name: $"instances-{i}"));
            }

            try
            {
                await worlds[0].Ledger.RevokeAsync("role:gone", "bench", CancellationToken.None);
                var pipelines = worlds.Select(w => w.PipelineOver(new InstantRefund())).ToArray();
                GovernancePipeline For(int caller) => pipelines[caller % pipelines.Length];
                var cases = new (string Name, Func<int, Task> Call)[]
                {
                    ("allowed, agent + role budget (one hot lock)", c => BenchWorld.Expect(For(c).RunAsync($"bench-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false)),
                    ("allowed, agent budgets only", c => BenchWorld.Expect(For(c).RunAsync($"spread-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false)),
                    ("refused: revoked", c => BenchWorld.Expect(For(c).RunAsync($"gone-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: true, DenialCodes.Revoked)),
                };
                foreach (var c in cases)
                {
                    await ThroughputScenario.Measure(c.Call, Math.Min(2, seconds));
                }

                foreach (var c in cases)
                {
                    var rates = new List<double>();
                    var cpus = new List<double>();
                    var latencies = new List<double>();
                    for (var run = 0; run < runs; run++)
                    {
                        var (rate, cpu, lat) = await ThroughputScenario.Measure(c.Call, seconds);
                        rates.Add(rate);
                        cpus.Add(cpu);
                        latencies.AddRange(lat);
                    }

                    table.Add($"{name}: {c.Name} [calls/s (CPU per call in this process); latency]",
                        $"{Stats.Median(rates):N0}/s ({Stats.F(Stats.Median(cpus), 0)} us; {Stats.F(Stats.Median(latencies), 2)} ms)",
                        $"{Stats.F(Stats.Percentile(latencies, 99), 2)} ms");
                }

                var one = new List<double>();
                for (var run = 0; run < runs; run++)
                {
                    one.AddRange((await ThroughputScenario.Measure(cases[0].Call, seconds, callers: 1)).Latencies);
                }

                table.Add($"{name}: one caller, allowed [overhead ms]", Stats.F(Stats.Median(one)), Stats.F(Stats.Percentile(one, 99)));
                var over = await RaceAsync(worlds, pipelines);
                table.Add($"{name}: 16 callers race a 50.00 USD role budget through every instance [USD cents over]", $"{over}", "-", "-", "0", over <= 0);
            }
            finally
            {
                foreach (var world in worlds)
                {
                    await world.DisposeAsync();
                }
            }
        }

        table.Print();

        // One caller's StartCall on PostgreSQL holds the role budget's lock from its first statement to its commit: one over
        // it is the most reservations of one hot budget a second, whatever the number of instances.
        await BreakdownScenario.RunAsync(seconds >= 2 ? 2000 : 500, await cluster.CreateDatabaseAsync());
    }

    // 16 callers refund 1.00 USD at a time until refused, each through an instance in turn: the ledger must have settled
    // exactly the budget, however the calls fell on the instances.
    private static async Task<long> RaceAsync(List<BenchWorld> worlds, GovernancePipeline[] pipelines)
    {
        var role = worlds[0].Manifests.Roles["capped"];
        await Task.WhenAll(Enumerable.Range(0, BenchWorld.Callers).Select(c => Task.Run(async () =>
        {
            while (true)
            {
                var response = await pipelines[c % pipelines.Length].RunAsync($"capped-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None);
                if (response.IsError)
                {
                    if (response.Structured["error"]?["code"]?.GetValue<string>() != DenialCodes.BudgetExceeded)
                    {
                        throw new InvalidOperationException(response.Structured.ToJsonString());
                    }

                    return;
                }
            }
        })));
        var usage = (await worlds[^1].Ledger.ReadUsageAsync(role, CancellationToken.None)).Single();
        return usage.SettledMinor + usage.HeldMinor - 5000;
    }
}
