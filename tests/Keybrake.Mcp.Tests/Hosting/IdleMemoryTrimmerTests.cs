using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keybrake.Mcp.Tests.Hosting;

/// <summary>The server gives memory back once its calls stop, once per quiet spell, and never while calls keep coming.</summary>
public sealed class IdleMemoryTrimmerTests
{
    private static readonly CallIdentity Who = new("refund-bot", "support-refunds");

    private static async Task<(SqliteDatabase Database, SqlLedger Ledger)> LedgerAsync(TempDirectory dir)
    {
        var database = new SqliteDatabase(dir.File("keybrake.db"));
        await database.MigrateAsync(CancellationToken.None);
        return (database, new SqlLedger(database, TimeProvider.System));
    }

    private static async Task CallAsync(SqlLedger ledger, int n)
    {
        await ledger.FindRevocationAsync(Who, CancellationToken.None);
        await ledger.RecordVerdictAsync(new Verdict($"call_{n}", Who, "issue_refund", "{}", "not_allowed", "no", null), CancellationToken.None);
    }

    private static async Task<IdleMemoryTrimmer> StartTrimmerAsync(SqliteDatabase database, TimeSpan idleAfter)
    {
        var trimmer = new IdleMemoryTrimmer(database, NullLogger<IdleMemoryTrimmer>.Instance) { IdleAfter = idleAfter, CheckEvery = TimeSpan.FromMilliseconds(50) };
        await trimmer.StartAsync(CancellationToken.None);
        return trimmer;
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var waited = 0; waited < 200 && !condition(); waited++)
        {
            await Task.Delay(50);
        }

        return condition();
    }

    [Fact]
    public async Task After_calls_stop_the_reader_connections_are_closed_once_and_the_ledger_still_serves()
    {
        using var dir = new TempDirectory();
        var (database, ledger) = await LedgerAsync(dir);
        using var _ = database;
        using var trimmer = await StartTrimmerAsync(database, TimeSpan.FromMilliseconds(200));
        await Task.Delay(500);
        Assert.Equal(0, trimmer.Trims); // no calls yet: nothing to give back

        await CallAsync(ledger, 1);
        Assert.Equal(1, database.IdleReaders);
        Assert.True(await EventuallyAsync(() => trimmer.Trims == 1), "no trim after the calls stopped");
        Assert.Equal(0, database.IdleReaders);

        await Task.Delay(500);
        Assert.Equal(1, trimmer.Trims); // one quiet spell, one trim

        await CallAsync(ledger, 2);
        Assert.Equal(2, (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Count);
        Assert.True(await EventuallyAsync(() => trimmer.Trims == 2), "no trim after the second spell of calls");
        await trimmer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_server_whose_calls_keep_coming_is_not_trimmed()
    {
        using var dir = new TempDirectory();
        var (database, ledger) = await LedgerAsync(dir);
        using var _ = database;
        using var trimmer = await StartTrimmerAsync(database, TimeSpan.FromSeconds(1));

        var until = DateTime.UtcNow.AddSeconds(2.5);
        for (var n = 0; DateTime.UtcNow < until; n++)
        {
            await CallAsync(ledger, n);
            await Task.Delay(20);
        }

        Assert.Equal(0, trimmer.Trims);
        Assert.True(await EventuallyAsync(() => trimmer.Trims == 1), "no trim once the calls stopped");
        await trimmer.StopAsync(CancellationToken.None);
    }
}
