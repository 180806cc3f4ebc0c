using System.Diagnostics;
using Keybrake.Mcp.Hosting;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Resident memory of the published stdio server: after start (initialize + tools/list, then 1 s idle), after a
/// warm-up of calls, and after N governed refund calls (16 in flight over stdio; 1 in 4 allowed, the rest refused and audited):
/// right after the last call, and once idle. Growth is reported against both.
/// </summary>
public static class MemoryScenario
{
    public static async Task RunAsync(int calls)
    {
        foreach (var variant in new[] { Published.Variant.Default, Published.Variant.NativeAot })
        {
            if (Environment.GetEnvironmentVariable("KEYBRAKE_BENCH_ONLY") is { } only && only != variant.ToString())
            {
                continue;
            }

            await RunAsync(calls, variant);
        }
    }

    private static async Task RunAsync(int calls, Published.Variant variant)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: $"memory-{variant}");
        var published = await Published.PathAsync(variant);
        await using var server = StdioServer.Start(Path.Combine(published, "keybrake-mcp"), ["serve", "--agent", "refund-bot"], world.Environment);
        await server.InitializeAsync();
        await server.RequestAsync("tools/list", []);
        await Task.Delay(1000);
        var afterStart = server.RssKb();
        var startParts = server.RssParts();

        var warmup = Math.Min(10_000, calls / 10);
        await DriveAsync(server, warmup);
        var afterWarmup = server.RssKb();
        var warmupParts = server.RssParts();
        var t = Stopwatch.GetTimestamp();
        await DriveAsync(server, calls);
        var seconds = Stats.Ms(Stopwatch.GetTimestamp() - t) / 1000;
        var busy = server.RssKb();
        var busyParts = server.RssParts();
        // Judged once the server is idle, as a stdio server is between its agent's turns: after IdleAfter without calls
        // it gives back what the burst left warm (IdleMemoryTrimmer). The row before it is taken right after the last call.
        await Task.Delay(IdleMemoryTrimmer.DefaultIdleAfter + TimeSpan.FromSeconds(2));
        var afterCalls = server.RssKb();
        var callsParts = server.RssParts();

        var table = new Table($"memory: RSS of the stdio server (published, {(variant == Published.Variant.NativeAot ? "Native AOT" : "JIT")}) before and after {calls:N0} governed refund calls over stdio (1 in 4 allowed, 3 in 4 refused over maxAmount) ({calls / seconds:N0} calls/s with 16 in flight)");
        // Judged on the native executable, the build README recommends for stdio servers; the JIT one is for comparison.
        var judged = variant == Published.Variant.NativeAot;
        table.Add($"RSS after start [MB] ({startParts})", Stats.F(afterStart / 1024.0, 1), "-", "1.00x", judged ? "<= 80" : "-", judged ? afterStart / 1024.0 <= 80 : null);
        table.Add($"RSS after {warmup:N0} warm-up calls [MB] ({warmupParts})", Stats.F(afterWarmup / 1024.0, 1), "-", $"{(double)afterWarmup / afterStart:F2}x");
        table.Add($"RSS right after the last of {warmup + calls:N0} calls [MB] ({busyParts})", Stats.F(busy / 1024.0, 1), "-", $"{(double)busy / afterStart:F2}x");
        table.Add($"RSS after {warmup + calls:N0} calls, then {(IdleMemoryTrimmer.DefaultIdleAfter + TimeSpan.FromSeconds(2)).TotalSeconds:0} s without calls [MB] ({callsParts}) (growth vs after start)",
            Stats.F(afterCalls / 1024.0, 1), "-", $"{(double)afterCalls / afterStart:F2}x", judged ? "<= 1.10x" : "-", judged ? (double)afterCalls / afterStart <= 1.10 : null);
        // Both under load: what the calls themselves added once warm (a leak would show here).
        table.Add($"growth over the last {calls:N0} calls (right after them vs after warm-up)", $"{(busy - afterWarmup) / 1024.0:F1} MB", "-", $"{(double)busy / afterWarmup:F2}x");
        table.Print();
    }

    private static async Task DriveAsync(StdioServer server, int calls)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= calls)
            {
                // One in four an allowed refund; the others are refused (over maxAmount) and audited.
                var allowed = n % 4 == 0;
                var result = await server.CallToolAsync("issue_refund", BenchWorld.Refund(allowed ? 100 : 30_000));
                if (StdioServer.ErrorCode(result) != (allowed ? null : "invalid_arguments"))
                {
                    throw new InvalidOperationException($"unexpected: {result.ToJsonString()}");
                }
            }
        })));
    }
}
