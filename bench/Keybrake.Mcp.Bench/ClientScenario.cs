using System.Globalization;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// stdio as users meet it: the official TypeScript MCP client (<c>bench/stdio-client/drive.mjs</c>, Node from npm) with 16
/// calls in flight against a minimal echo server on the TypeScript SDK (the ecosystem's baseline) and against
/// keybrake-mcp: a revoked agent's refusals, and allowed refunds in sandbox mode (the embedded Stripe simulator). Also
/// cold start (spawn -> tools/list answered, as the client sees it) and the server's RSS 1 s after start. Every run spawns
/// a fresh server; rounds alternate the cases so machine noise hits them alike; medians of rounds, ratios per round.
/// Servers: the JIT build (<c>dotnet keybrake-mcp.dll</c> of a Release publish), the native executable given by
/// <c>--native PATH</c> or <c>KEYBRAKE_BENCH_NATIVE</c>, and any command given by <c>--server "CMD ARGS"</c> or
/// <c>KEYBRAKE_BENCH_SERVER</c> (e.g. an installed tool, <c>~/.dotnet/tools/keybrake-mcp</c>).
/// </summary>
public static class ClientScenario
{
    private const int SandboxPayments = 33;

    public static async Task RunAsync(string[] args, double seconds, double warmup, int rounds)
    {
        await NodeClient.InstallAsync();
        var servers = new List<(string Name, ServerCommand Command, bool Native)>();
        if (!args.Contains("--no-jit"))
        {
            var jit = await Published.PathAsync(Published.Variant.Default);
            servers.Add(("JIT, dotnet keybrake-mcp.dll", new ServerCommand("dotnet", [Path.Combine(jit, "keybrake-mcp.dll")]), false));
        }

        if (Option(args, "--native", "KEYBRAKE_BENCH_NATIVE") is { } executable)
        {
            servers.Add(("Native AOT", new ServerCommand(Path.GetFullPath(executable), []), true));
        }
        else
        {
            Console.Error.WriteLine("(no native executable: give --native PATH or KEYBRAKE_BENCH_NATIVE to measure it)");
        }

        if (Option(args, "--server", "KEYBRAKE_BENCH_SERVER") is { } given)
        {
            var parts = given.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            servers.Add(($"{given}", new ServerCommand(parts[0], parts[1..]), false));
        }

        // Refusals: a revoked role in the bench's world (the start-up key check reaches the canned Stripe on loopback).
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "client");
        await world.Ledger.RevokeAsync("role:gone", "bench", CancellationToken.None);
        var sandboxManifests = Path.Combine(world.Dir, "sandbox-manifests");
        WriteSandboxManifests(sandboxManifests);

        var echo = new DriveCall("echo", """{"text":"hello {n}"}""", "ok");
        var cases = new List<Case> { new("TypeScript SDK echo server (baseline)", null, new ServerCommand(NodeClient.Node, [NodeClient.EchoServer]), echo, _ => null) };
        foreach (var (name, command, native) in servers)
        {
            cases.Add(new($"keybrake-mcp ({name}), refused: revoked", name, command.With("serve", "--agent", "gone-0"),
                Refund(CannedStripe.PaymentIntent, 100, "revoked"), _ => world.Environment) { Native = native, Target = 0.8 });
            cases.Add(new($"keybrake-mcp ({name}), allowed refunds, --sandbox", name, command.With("serve", "--sandbox", "--agent", "refund-bot"),
                Refund($"{{pick:{string.Join('|', Enumerable.Range(1, SandboxPayments).Select(i => $"pi_SandboxPaid{i:00}"))}}}", 1, "ok"),
                run => SandboxEnvironment(world, sandboxManifests, run)) { Target = 0.5, Sandbox = true });
        }

        var results = cases.Select(_ => new List<DriveResult>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < cases.Count; k++)
            {
                var run = $"{round}-{k}";
                var result = await NodeClient.DriveAsync(cases[k].Command, cases[k].Call with { Arguments = cases[k].Call.Arguments.Replace("{run}", run, StringComparison.Ordinal) },
                    seconds, warmup, cases[k].Environment(run));
                results[k].Add(result);
                Console.Error.WriteLine($"(round {round + 1}/{rounds}: {cases[k].Name}: {result.PerSecond:N0}/s, cold {result.ColdMs:F0} ms, RSS {result.RssKb / 1024.0:F1} MB)");
            }
        }

        Print(cases, results, seconds, warmup, rounds, await NodeClient.NodeVersionAsync());
    }

    private static void Print(List<Case> cases, List<DriveResult>[] results, double seconds, double warmup, int rounds, string nodeVersion)
    {
        var baseline = results[0];
        var table = new Table($"client: the official TypeScript MCP client ({ColdStartScenario.NodeSdkVersion}, node {nodeVersion}) over stdio, 16 calls in flight, " +
                              $"{seconds:0.#} s after {warmup:0.#} s of warm-up, {rounds} round(s), cases alternating; medians of rounds, ratios to the echo server per round");
        for (var k = 0; k < cases.Count; k++)
        {
            var c = cases[k];
            var runs = results[k];
            var rate = Stats.Median([.. runs.Select(r => r.PerSecond)]);
            var ratio = Stats.Median([.. runs.Select((r, i) => r.PerSecond / baseline[i].PerSecond)]);
            var cpu = $"per call: server CPU {Stats.Median([.. runs.Select(r => r.ServerCpuUsPerCall)]):F0} us, client CPU {Stats.Median([.. runs.Select(r => r.ClientCpuUsPerCall)]):F0} us, " +
                      $"{Stats.Median([.. runs.Select(r => r.ServerSwitchesPerCall)]):F1} server context switches";
            var unexpected = runs.Sum(r => r.Unexpected);
            if (unexpected > 0)
            {
                cpu += $"; {unexpected} unexpected answers, e.g. {runs.First(r => r.Unexpected > 0).FirstUnexpected}";
            }

            table.Add($"{c.Name} [calls/s] ({cpu})", Stats.F(rate, 0), "-", $"{ratio:F2}x",
                c.Target is { } t ? $">= {t:F1}x" : "-", c.Target is { } target ? ratio >= target && unexpected == 0 : null);
        }

        for (var k = 0; k < cases.Count; k++)
        {
            var c = cases[k];
            var runs = results[k];
            // Start-up as the client sees it, and memory, from the plain server (the sandbox adds its simulator).
            if (c.Sandbox)
            {
                continue;
            }

            var name = c.Server is null ? "TypeScript SDK echo server (baseline)" : $"keybrake-mcp ({c.Server}) serve --agent";
            var cold = Stats.Median([.. runs.Select(r => r.ColdMs)]);
            table.Add($"{name}: cold start, spawn -> tools/list answered [ms]", Stats.F(cold, 1), "-",
                $"{Stats.Median([.. runs.Select((r, i) => r.ColdMs / baseline[i].ColdMs)]):F2}x");
            var rss = Stats.Median([.. runs.Select(r => r.RssKb / 1024.0)]);
            var rssRatio = Stats.Median([.. runs.Select((r, i) => (double)r.RssKb / baseline[i].RssKb)]);
            var parts = $"anon {Stats.Median([.. runs.Select(r => r.RssAnonKb / 1024.0)]):F1}, files {Stats.Median([.. runs.Select(r => r.RssFileKb / 1024.0)]):F1}";
            table.Add($"{name}: RSS 1 s after start [MB] ({parts}; stderr {runs.Max(r => r.StderrBytes)} bytes)", Stats.F(rss, 1), "-", $"{rssRatio:F2}x",
                c.Native ? "<= 1.00x" : "-", c.Native ? rssRatio <= 1.0 : null);
        }

        table.Print();
    }

    private static DriveCall Refund(string paymentIntent, long amount, string expect) => new("issue_refund",
        $$"""{"payment_intent":"{{paymentIntent}}","amount":{{amount}},"reason":"requested_by_customer","request_id":"b{run}-{n}"}""", expect);

    // A fresh sandbox per run (its simulated account lives beside its ledger): every run starts with the same seeded payments.
    private static Dictionary<string, string?> SandboxEnvironment(BenchWorld world, string manifests, string run)
    {
        var dir = Path.Combine(world.Dir, $"sandbox-{run}");
        Directory.CreateDirectory(dir);
        return new Dictionary<string, string?>
        {
            ["KEYBRAKE_MANIFESTS"] = manifests,
            ["KEYBRAKE_DB"] = Path.Combine(dir, "keybrake.db"),
            ["HOME"] = dir,
        };
    }

    /// <summary>
    /// refund-bot with room to spend and no rate limit, and a role that only names customers, so the sandbox seeds a paid
    /// payment (pi_SandboxPaidNN, 49-82 USD) for each: refunds of 0.01 USD spread over them never run out within a run.
    /// </summary>
    private static void WriteSandboxManifests(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "support-refunds.json"), """
            {
              "role": "support-refunds",
              "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", "mode": "test" },
              "agents": ["refund-bot"],
              "budgets": [ { "per": "agent", "window": "day", "limit": "100000000.00 USD" } ],
              "rateLimits": [ { "per": "agent", "calls": 10000000, "window": "minute" } ],
              "tools": { "issue_refund": { "maxAmount": "200.00 USD", "reasons": ["requested_by_customer", "duplicate"] } }
            }
            """);
        var customers = string.Join(", ", Enumerable.Range(4, SandboxPayments - 3).Select(i => $"\"cus_BenchSeed{i:00}\""));
        File.WriteAllText(Path.Combine(directory, "seed.json"), $$"""
            {
              "role": "seed",
              "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SEED", "mode": "test" },
              "agents": ["seed-bot"],
              "customers": [{{customers}}],
              "tools": { "get_customer": {} }
            }
            """);
    }

    private static string? Option(string[] args, string name, string variable)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v : null;
    }

    private sealed record Case(string Name, string? Server, ServerCommand Command, DriveCall Call, Func<string, IReadOnlyDictionary<string, string?>?> Environment)
    {
        public bool Native { get; init; }

        public double? Target { get; init; }

        public bool Sandbox { get; init; }
    }
}
