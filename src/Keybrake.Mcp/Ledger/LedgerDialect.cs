namespace Keybrake.Mcp.Ledger;

/// <summary>
/// What the ledger's rules need from a backend beyond portable SQL: how a transaction becomes the only one acting on a
/// budget, a rate scope, a request, an object or the audit chain, and the few hints one SQL engine needs.
/// </summary>
public abstract class LedgerDialect
{
    /// <summary>The name every append to the audit chain locks: the chain has one tip.</summary>
    public const string AuditChain = "audit_chain";

    /// <summary>
    /// Makes the session's transaction the only one acting on these names until it ends. Callers lock in one call, and the
    /// audit chain last, so two transactions never wait for each other in a circle.
    /// </summary>
    public abstract Task LockAsync(LedgerSession session, IReadOnlyCollection<string> names, CancellationToken ct);

    /// <summary>Whether the query for all unknown calls must name the partial index of unknown calls (SQLite's planner does not find it).</summary>
    public abstract bool HintsUnknownCallsIndex { get; }
}
