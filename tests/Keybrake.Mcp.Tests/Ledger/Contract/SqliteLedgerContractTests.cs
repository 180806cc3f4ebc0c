using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Ledger.Contract;

/// <summary>The ledger contract on a SQLite file, opened by several databases as several processes would.</summary>
public sealed class SqliteLedgerContractTests : LedgerContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override Task<string> NewLedgerAsync() => Task.FromResult(_dir.File("keybrake.db"));

    public void Dispose() => _dir.Dispose();
}
