using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// One kind of call in a loop from one caller (or <c>--callers N</c>), for a profiler to attach to (<c>dotnet-trace collect -- ... loop revoked</c>):
/// <c>allowed</c> (instant tool), <c>governed</c> (Stripe tools, canned Stripe), <c>revoked</c>, <c>broke</c> (budget spent),
/// <c>write</c> (the ledger's write of a refusal alone, no pipeline). Prints calls/s; judges nothing.
/// </summary>
public static class LoopScenario
{
    public static async Task RunAsync(string kind, double seconds, int callers)
    {
        await using var stripe = await CannedStripe.StartAsync();
        await using var world = await BenchWorld.StartAsync(stripe.BaseUrl, name: "loop");
        var pipeline = world.PipelineOver(new InstantRefund());
        await world.Ledger.RevokeAsync("role:gone", "bench", CancellationToken.None);
        for (var c = 0; c < BenchWorld.Callers; c++)
        {
            await BenchWorld.Expect(world.Pipeline.RunAsync($"broke-{c}", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false);
        }

        var (agent, error) = kind switch
        {
            "revoked" => ("gone-0", true),
            "broke" => ("broke-0", true),
            _ => ("bench-0", false),
        };
        if (kind is "governed" or "broke")
        {
            // The Stripe tools over HTTP to the canned Stripe; a spent budget is refused before Stripe, as throughput measures it.
            pipeline = world.Pipeline;
        }

        var calls = 0;
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var arguments = BenchWorld.Refund().ToJsonString();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var name = callers == 1 ? agent : $"{agent[..agent.LastIndexOf('-')]}-{c}";
            while (Stopwatch.GetTimestamp() < stop)
            {
                if (kind == "write")
                {
                    await world.Ledger.RecordVerdictAsync(new Verdict($"call_{Guid.CreateVersion7():N}", new CallIdentity($"gone-{c}", "gone"), "issue_refund",
                        arguments, DenialCodes.Revoked, "agent 'gone' is revoked", null), CancellationToken.None);
                }
                else
                {
                    await BenchWorld.Expect(pipeline.RunAsync(name, "issue_refund", BenchWorld.Refund(), CancellationToken.None), error);
                }

                Interlocked.Increment(ref calls);
            }
        })));

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine($"loop {kind} x{callers}: {calls / elapsed:N0} calls/s, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / calls:N0} us CPU per call");
    }
}
