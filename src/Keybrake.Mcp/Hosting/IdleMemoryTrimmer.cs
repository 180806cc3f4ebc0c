using System.Runtime.InteropServices;
using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Hosting;

/// <summary>
/// Gives memory back once a server has had no calls for a while. A stdio server spends most of its life waiting for its
/// agent's next turn, and a burst of calls leaves warm state behind that an idle process need not hold: the GC's
/// allocation budget, SQLite's reader connections with their caches, and malloc's free pages.
/// </summary>
/// <remarks>
/// Only after calls and a quiet <see cref="IdleAfter"/>, and once per quiet spell, so a busy server never pays for it.
/// What is given back costs the next burst a reconnect per reader (a fraction of a millisecond each).
/// </remarks>
public sealed class IdleMemoryTrimmer(ILedgerDatabase database, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    /// <summary>A server's <see cref="IdleAfter"/>.</summary>
    public static readonly TimeSpan DefaultIdleAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long without a call before memory is given back.</summary>
    public TimeSpan IdleAfter { get; init; } = DefaultIdleAfter;

    /// <summary>How often the server's quiet is checked.</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times memory was given back.</summary>
    public int Trims => Volatile.Read(ref _trims);

    private int _trims;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Nothing to give back before the first call.
        var trimmedAfter = database.LastWriteMs;
        using var timer = new PeriodicTimer(CheckEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var lastWrite = database.LastWriteMs;
                if (lastWrite != trimmedAfter && Environment.TickCount64 - lastWrite >= IdleAfter.TotalMilliseconds)
                {
                    trimmedAfter = lastWrite;
                    Trim();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        database.ReleaseIdleConnections();
        // Aggressive: a full compacting collection that also decommits the memory the GC keeps for the next allocations.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        Interlocked.Increment(ref _trims);
        logger.LogDebug("Idle: gave back memory, working set {Before} -> {After} bytes", before, Environment.WorkingSet);
    }
}

/// <summary>glibc's <c>malloc_trim</c>: returns the free pages of malloc's heaps (SQLite allocates there) to the system.</summary>
internal static class NativeHeap
{
    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): its allocator keeps what it keeps.
        }
    }
}
