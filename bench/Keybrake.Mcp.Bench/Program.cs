using Keybrake.Mcp.Bench;

// dotnet run -c Release --project bench/Keybrake.Mcp.Bench -- <scenario> [--quick]  (client: [--native PATH] [--server "CMD"] [--no-jit])
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
Console.WriteLine($"# Keybrake MCP benchmarks: {scenario}{(quick ? " (quick)" : "")}");
Console.WriteLine(Machine.Describe());
var scenarios = new Dictionary<string, Func<Task>>
{
    ["overhead"] = () => OverheadScenario.RunAsync(quick ? 300 : 1500, quick ? 2 : 5),
    ["throughput"] = () => ThroughputScenario.RunAsync(quick ? 1 : 3, quick ? 1 : 3),
    ["history"] = () => HistoryScenario.RunAsync(quick ? 100 : 500, quick ? 2 : 5),
    ["coldstart"] = () => ColdStartScenario.RunAsync(quick ? 3 : 10),
    ["revoke"] = () => RevokeScenario.RunAsync(quick ? 5 : 20),
    ["memory"] = () => MemoryScenario.RunAsync(quick ? 10_000 : 100_000),
    ["breakdown"] = () => BreakdownScenario.RunAsync(quick ? 1000 : 5000),
    ["instances"] = () => InstancesScenario.RunAsync(quick ? 1 : 3, quick ? 1 : 2),
    ["telemetry"] = () => TelemetryScenario.RunAsync(quick ? 2 : 4, quick ? 2 : 4),
    ["client"] = () => ClientScenario.RunAsync(args, quick ? 2 : 5, quick ? 1 : 2, quick ? 1 : 3),
};

if (scenario == "loop")
{
    var callers = args.SkipWhile(a => a != "--callers").Skip(1).Select(int.Parse).FirstOrDefault(1);
    await LoopScenario.RunAsync(args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? "revoked", quick ? 3 : 10, callers);
    return 0;
}

if (scenario == "micro")
{
    MicroBenchmarks.Run(args.Skip(1).ToArray());
    return 0;
}

if (scenario != "all" && !scenarios.ContainsKey(scenario))
{
    Console.Error.WriteLine($"unknown scenario '{scenario}'; one of: {string.Join(", ", scenarios.Keys)}, all, micro");
    return 2;
}

foreach (var (name, run) in scenarios.Where(s => scenario == "all" || s.Key == scenario))
{
    await run();
}

// The published copies of the server are per run.
foreach (var dir in Directory.EnumerateDirectories(Path.Combine(Path.GetTempPath(), "keybrake-bench"), $"publish-*-{Environment.ProcessId}"))
{
    Directory.Delete(dir, recursive: true);
}

if (scenario == "all")
{
    Console.WriteLine();
    Console.WriteLine("### Summary");
    Console.WriteLine();
    foreach (var (name, row) in Table.All.Where(r => r.Row.Pass is not null))
    {
        Console.WriteLine($"- {(row.Pass!.Value ? "pass" : "FAIL")}: {row.Measure} = {row.Median} (p99 {row.P99}); target {row.Target}");
    }
}

return Table.All.Any(r => r.Row.Pass == false) ? 1 : 0;
