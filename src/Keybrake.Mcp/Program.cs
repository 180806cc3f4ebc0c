using System.Text;
using Keybrake.Mcp.Cli;

// A stdio server's idle pool workers sleep at once instead of spinning for work first. Its calls arrive one pipe read at a
// time, so each wakes a worker and the others spun in sched_yield for nothing: ~2 context switches and ~10% of the CPU per
// call through the TypeScript client with 16 in flight (perf, bench 'client'); without the spin, ~1. Set before the first
// work item: the pool reads it once. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit still wins when set.
if (args.Contains("serve") && args.Any(a => a.StartsWith("--agent", StringComparison.Ordinal)) && Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") is null)
{
    AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", "0");
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// A CLI command lives for a moment and its garbage goes with the process: collecting it on the small gen0 budget the
// native build sets for the server (see the csproj) cost `audit` of 4,000 rows ~8 of its ~97 ms (perf stat, 10 runs).
// Up to 64 MB it is not collected; past that the GC runs as usual. serve is long-lived and keeps the normal GC.
if (!args.Contains("serve"))
{
    try
    {
        GC.TryStartNoGCRegion(64L * 1024 * 1024);
    }
    catch (ArgumentOutOfRangeException)
    {
        // More than this runtime's GC can promise: run with the normal GC.
    }
}

// Prompts only on a terminal: scripts and MCP clients that pipe stdin get the defaults, never a hang.
var terminal = Console.IsInputRedirected ? null : Console.In;

// Into a pipe or a file, output is written in 64 KB blocks: Console.Out flushes on every Write, and an audit listing
// of thousands of rows was tens of thousands of system calls. A terminal keeps Console.Out, which shows each line as
// it comes. (serve never writes here: its stdio transport owns stdout.)
var buffered = Console.IsOutputRedirected ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 65536) : null;
try
{
    return await KeybrakeCli.RunAsync(args, Environment.GetEnvironmentVariable, buffered ?? Console.Out, Console.Error, cancel.Token, terminal);
}
finally
{
    buffered?.Flush();
}
