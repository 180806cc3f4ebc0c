using System.Data.Common;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// One unit of ledger work as the ledger's rules see it: a connection, the transaction it runs in (null when the backend
/// runs its own, or for a read on its own), and what differs in the backend's SQL.
/// </summary>
public sealed class LedgerSession(DbConnection connection, DbTransaction? transaction, LedgerDialect dialect)
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction? Transaction { get; } = transaction;

    public LedgerDialect Dialect { get; } = dialect;
}
