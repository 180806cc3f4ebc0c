using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Revoke across processes: a server process serves refund-bot over stdio; <c>keybrake-mcp revoke refund-bot</c> runs
/// as another process. Measured: from the revoke process's exit to the refusal of the agent's next call (sent at once).
/// Each trial reinstates first and checks a call is allowed again.
/// </summary>
public static class RevokeScenario
{
    public static async Task RunAsync(int trials)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "revoke");
        var published = await Published.PathAsync(Published.Variant.Default);
        var tool = Path.Combine(published, "keybrake-mcp");
        await using var server = StdioServer.Start(tool, ["serve", "--agent", "refund-bot"], world.Environment);
        await server.InitializeAsync();

        var latencies = new List<double>();
        var revokeWalls = new List<double>();
        var allowedAfterExit = 0;
        for (var trial = -1; trial < trials; trial++)
        {
            // Exit 1: nothing to reinstate (the first trial).
            var (reinstated, _) = await Published.RunCliAsync(published, world.Environment, "reinstate", "refund-bot");
            if (reinstated is not (0 or 1) || StdioServer.ErrorCode(await server.CallToolAsync("issue_refund", Args())) is { } code)
            {
                throw new InvalidOperationException($"not reinstated ({reinstated}): {server.Stderr}");
            }

            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "revoke", "refund-bot", "--reason", "bench" })
            {
                start.ArgumentList.Add(a);
            }

            Published.Apply(start, world.Environment);
            var t0 = Stopwatch.GetTimestamp();
            using var revoke = Process.Start(start)!;
            var output = revoke.StandardOutput.ReadToEndAsync();
            var errors = revoke.StandardError.ReadToEndAsync();
            await revoke.WaitForExitAsync();
            var exited = Stopwatch.GetTimestamp();
            var result = await server.CallToolAsync("issue_refund", Args());
            var refused = Stopwatch.GetTimestamp();
            if (revoke.ExitCode != 0)
            {
                throw new InvalidOperationException($"revoke exited {revoke.ExitCode}: {await output}{await errors}");
            }

            if (StdioServer.ErrorCode(result) != "revoked")
            {
                allowedAfterExit++;
            }
            else if (trial >= 0)
            {
                latencies.Add(Stats.Ms(refused - exited));
                revokeWalls.Add(Stats.Ms(exited - t0));
            }
        }

        var table = new Table($"revoke across processes ({trials} trials; stdio server process + CLI process, same ledger file)");
        table.Add("revoke exit -> refusal of the next call [ms]", Stats.F(Stats.Median(latencies), 2), Stats.F(Stats.Percentile(latencies, 99), 2), "-",
            "<= 50", latencies.Count > 0 && Stats.Percentile(latencies, 99) <= 50 && allowedAfterExit == 0);
        table.Add("calls allowed after revoke exited", allowedAfterExit.ToString(System.Globalization.CultureInfo.InvariantCulture), "-", "-", "0", allowedAfterExit == 0);
        table.Add("`keybrake-mcp revoke` process, start to exit [ms]", Stats.F(Stats.Median(revokeWalls), 1), Stats.F(Stats.Percentile(revokeWalls, 99), 1));
        table.Print();
    }

    private static JsonObject Args() => BenchWorld.Refund();
}
