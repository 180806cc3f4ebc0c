using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// The durable state every process shares (on one machine over SQLite, on many hosts over PostgreSQL): revocations, rate
/// counts, budget holds, leases and the audit log. Each method is one atomic operation.
/// </summary>
public interface ILedger
{
    /// <summary>The revocation that covers this agent (by name, by role, or all), if any.</summary>
    Task<Revocation?> FindRevocationAsync(CallIdentity who, CancellationToken ct);

    /// <summary>Revokes a scope (<c>agent:NAME</c>, <c>role:NAME</c> or <c>all</c>); durable when it returns.</summary>
    Task RevokeAsync(string scope, string? reason, CancellationToken ct);

    /// <summary>Removes a revocation; returns false when there was none.</summary>
    Task<bool> ReinstateAsync(string scope, CancellationToken ct);

    /// <summary>
    /// The first enforced rate limit one more call would exceed, and the shadow limits it would: a read, before anything
    /// is read from Stripe. The call is counted, after an exact check, by the write it makes next (its start or its refusal).
    /// </summary>
    Task<RateCheck> CheckRateAsync(CallIdentity who, IReadOnlyList<RateLimit> limits, CancellationToken ct);

    /// <summary>The latest call of the same request since the horizon that moved money or may have (allowed or unknown).</summary>
    Task<AuditRecord?> FindEarlierAsync(string fingerprint, DateTimeOffset horizon, CancellationToken ct);

    /// <summary>Looks for an earlier call of the same request that moved money or may have; else checks budgets, holds and audits "started".</summary>
    Task<StartDecision> StartCallAsync(CallStart start, CancellationToken ct);

    /// <summary>
    /// The first enforced budget that has no room left for <paramref name="minor"/> more, with its usage; a snapshot read
    /// without the write lock, for refusing early. Only <see cref="StartCallAsync"/> decides that a call fits.
    /// </summary>
    Task<BudgetUsage?> FindBudgetWithoutRoomAsync(CallIdentity who, IReadOnlyList<Budget> budgets, long minor, CancellationToken ct);

    /// <summary>Settles or releases the call's hold and completes its audit row, in one transaction.</summary>
    Task CompleteCallAsync(CallCompletion completion, CancellationToken ct);

    /// <summary>Calls whose outcome is unknown that started before the given time, optionally only those on one Stripe object.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadUnknownAsync(string? stripeObject, DateTimeOffset startedBefore, CancellationToken ct);

    /// <summary>Writes a decision that holds nothing (a refusal, a shadow refusal) to the audit log, counting it against its rate limits.</summary>
    Task RecordVerdictAsync(Verdict verdict, CancellationToken ct);

    /// <summary>Audit rows, oldest first, each with the hash of its latest chain event.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(AuditQuery query, CancellationToken ct);

    /// <summary>Verifies the audit hash chain and every audit row against it, over one consistent snapshot.</summary>
    Task<AuditChainReport> VerifyChainAsync(CancellationToken ct);

    /// <summary>The audit chain's events in order, streamed.</summary>
    IAsyncEnumerable<AuditChainEvent> ReadChainAsync(CancellationToken ct);

    /// <summary>Every agent that appears in the ledger: its last call, and its settled plus held spend since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<AgentActivity>> ReadAgentActivityAsync(DateTimeOffset since, CancellationToken ct);

    /// <summary>Usage of each budget of a role, per agent for agent budgets.</summary>
    Task<IReadOnlyList<BudgetUsage>> ReadUsageAsync(RoleManifest role, CancellationToken ct);

    /// <summary>Money held now (calls under way or unknown, pending approvals), summed by currency.</summary>
    Task<IReadOnlyList<HeldMoney>> ReadHeldAsync(CancellationToken ct);

    /// <summary>Takes or renews an instance's lease (its expiry moves on).</summary>
    Task RenewLeaseAsync(InstanceLease lease, CancellationToken ct);

    /// <summary>Gives a lease up (it lapses now): the instance stopped, and its unknown calls are orphans from now on.</summary>
    Task EndLeaseAsync(string instance, CancellationToken ct);

    /// <summary>Every lease held now or lapsed and not given up.</summary>
    Task<IReadOnlyList<InstanceLease>> ReadLeasesAsync(CancellationToken ct);
}
