using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Ledger.Contract;

/// <summary>The ledger contract on a real PostgreSQL (a throwaway cluster), a database of its own per test.</summary>
public sealed class PostgresLedgerContractTests : LedgerContract
{
    protected override async Task<string> NewLedgerAsync() => await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
}
