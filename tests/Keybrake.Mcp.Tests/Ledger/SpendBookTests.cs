using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Ledger;

/// <summary>
/// The spend rules on their own, over a real SQLite file: a hold counts at once, settling replaces it with what moved
/// (never more than one of the two), releasing gives it back, and a hold in one currency touches no other currency's budget.
/// </summary>
public sealed class SpendBookTests : IDisposable
{
    private static readonly CallIdentity Bot = new("refund-bot", "support-refunds");
    private static readonly Budget AgentDay = new(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("100.00 USD"));
    private static readonly Budget RoleHour = new(LimitScope.Role, RollingWindow.Hour, MoneyAmount.Parse("500.00 USD"));
    private static readonly Budget EuroDay = new(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("100.00 EUR"));
    private const long Now = 1_800_000_000_000;

    private readonly TempDirectory _dir = new();
    private readonly SqliteDatabase _database;

    public SpendBookTests()
    {
        _database = new SqliteDatabase(_dir.File("keybrake.db"));
        _database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private Task WriteAsync(Func<LedgerSession, Task> write) => _database.WriteAsync(async s =>
    {
        await write(s);
        return true;
    }, CancellationToken.None);

    private Task<BudgetUsage> UsageAsync(Budget budget, long at = Now) =>
        _database.ReadAsync(s => BudgetQueries.UsageAsync(s, Bot, budget, at), CancellationToken.None);

    private Task HoldAsync(string callId, long amount, string currency = "USD") =>
        WriteAsync(s => SpendBook.HoldAsync(s, callId, Bot, currency, amount, [AgentDay, RoleHour, EuroDay], Now));

    [Fact]
    public async Task A_hold_counts_as_held_in_every_budget_of_its_currency()
    {
        await HoldAsync("call_1", 2500);

        Assert.Equal((0L, 2500L), ((await UsageAsync(AgentDay)).SettledMinor, (await UsageAsync(AgentDay)).HeldMinor));
        Assert.Equal(2500, (await UsageAsync(RoleHour)).HeldMinor);
        Assert.Equal(0, (await UsageAsync(EuroDay)).UsedMinor);
    }

    [Fact]
    public async Task Settling_replaces_the_hold_with_the_money_that_moved()
    {
        await HoldAsync("call_1", 2500);
        await WriteAsync(s => SpendBook.SettleAsync(s, "call_1", moved: 1800));

        var usage = await UsageAsync(AgentDay);
        Assert.Equal((1800L, 0L), (usage.SettledMinor, usage.HeldMinor));
        Assert.Equal(8200, usage.RemainingMinor);
    }

    [Fact]
    public async Task Settling_without_an_amount_keeps_what_was_held_and_a_second_settle_changes_nothing()
    {
        await HoldAsync("call_1", 2500);
        await WriteAsync(s => SpendBook.SettleAsync(s, "call_1", moved: null));
        await WriteAsync(s => SpendBook.SettleAsync(s, "call_1", moved: 9999));

        Assert.Equal((2500L, 0L), ((await UsageAsync(AgentDay)).SettledMinor, (await UsageAsync(AgentDay)).HeldMinor));
    }

    [Fact]
    public async Task Releasing_gives_the_hold_back()
    {
        await HoldAsync("call_1", 2500);
        await WriteAsync(s => SpendBook.ReleaseAsync(s, "call_1"));

        Assert.Equal(0, (await UsageAsync(AgentDay)).UsedMinor);
        Assert.Equal(0, (await UsageAsync(RoleHour)).UsedMinor);
    }

    [Fact]
    public async Task Money_leaves_a_window_once_its_bucket_is_out_of_it_never_before()
    {
        await HoldAsync("call_1", 2500);
        await WriteAsync(s => SpendBook.SettleAsync(s, "call_1", moved: 2500));

        Assert.Equal(2500, (await UsageAsync(RoleHour, Now + (long)TimeSpan.FromMinutes(59).TotalMilliseconds)).UsedMinor);
        Assert.Equal(0, (await UsageAsync(RoleHour, Now + (long)TimeSpan.FromMinutes(62).TotalMilliseconds)).UsedMinor);
    }

    public void Dispose()
    {
        _database.Dispose();
        _dir.Dispose();
    }
}
