namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>SQLite's side of the ledger's SQL.</summary>
internal sealed class SqliteDialect : LedgerDialect
{
    public static readonly SqliteDialect Instance = new();

    // Every write transaction begins with BEGIN IMMEDIATE, which takes the database's one write lock before its first read:
    // whatever it decides on is already its alone, against every other process on the machine.
    public override Task LockAsync(LedgerSession session, IReadOnlyCollection<string> names, CancellationToken ct) => Task.CompletedTask;

    // Without the hint SQLite's planner reads the time index, the whole log, to find the few unknown calls.
    public override bool HintsUnknownCallsIndex => true;
}
