using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Ledger;

/// <summary>Who a call is on behalf of: the agent and its role.</summary>
public sealed record CallIdentity(string Agent, string Role);

/// <summary>An audit row written without any hold or Stripe call: a refusal, a shadow refusal, or an operator's decision.</summary>
public sealed record DeniedCall(string CallId, CallIdentity Who, string Tool, string Arguments, string? Code, string Message, string? Result)
{
    public string Outcome { get; init; } = AuditOutcomes.Denied;

    /// <summary>Rate limits the refused call counts against (it passed their check before it was refused for something else).</summary>
    public IReadOnlyList<RateLimit> CountsAgainst { get; init; } = [];
}

/// <summary>
/// What the ledger needs to start a governed call atomically: check budgets, hold the money, and write the
/// "started" audit row in one transaction, so no hold exists without its audit row and vice versa.
/// </summary>
public sealed record CallStart
{
    public required string CallId { get; init; }
    public required CallIdentity Who { get; init; }
    public required string Tool { get; init; }
    public required string Arguments { get; init; }

    /// <summary>Identifies the logical request (agent, tool, arguments, request_id) for retries; null for reads.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Earliest start of an earlier call that still counts as the same request.</summary>
    public required DateTimeOffset RetryHorizon { get; init; }

    public required string IdempotencyKey { get; init; }

    /// <summary>Money the call will move (the resolved amount), or null for calls that move none.</summary>
    public MoneyAmount? Hold { get; init; }

    public IReadOnlyList<Budget> Budgets { get; init; } = [];

    public string? Object { get; init; }

    /// <summary>
    /// One call at a time on <see cref="Object"/>: the call does not start while another call on it has an unknown outcome
    /// (in flight, or not yet settled), so a request is never prepared against a state an earlier one is still changing.
    /// </summary>
    public bool ExclusiveOnObject { get; init; }

    /// <summary>An approved approval whose hold this call takes over instead of holding anew.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>Rate limits checked again, exactly, and counted in this same transaction.</summary>
    public IReadOnlyList<RateLimit> RateLimits { get; init; } = [];

    /// <summary>What the call resolved that a re-send of the same request needs (JSON), kept with its row until it completes.</summary>
    public string? Context { get; init; }
}

/// <summary>How a call ended, for settling its hold and completing its audit row.</summary>
public sealed record CallCompletion
{
    public required string CallId { get; init; }
    public required string Outcome { get; init; }
    public string? Code { get; init; }
    public string? Message { get; init; }

    /// <summary>Money Stripe actually moved; replaces the hold. Null releases the hold (unless the outcome is unknown).</summary>
    public long? MovedMinor { get; init; }

    public string? Currency { get; init; }
    public string? Object { get; init; }
    public string? StripeRequestId { get; init; }

    /// <summary>Settle the hold at the amount held (when Stripe's answer does not state the money, e.g. a reconciled invoice payment).</summary>
    public bool SettleAsHeld { get; init; }

    public required long DurationMs { get; init; }
    public string? Result { get; init; }

    /// <summary>How the call changed a subscription's recurring amount (subscription tools).</summary>
    public RecurringDelta? RecurringDelta { get; init; }
}

/// <summary>The answer to <see cref="ILedger.StartCallAsync"/>.</summary>
public abstract record StartDecision
{
    private StartDecision() { }

    /// <summary>Recorded and held: the call may go to Stripe with this idempotency key.</summary>
    /// <param name="ShadowOverruns">Shadow budgets this call goes over: audited as <c>shadow_denied</c>, not enforced.</param>
    public sealed record Started(string IdempotencyKey, IReadOnlyList<BudgetUsage> ShadowOverruns) : StartDecision;

    /// <summary>The same request ran before; answer with its record instead of moving money again.</summary>
    public sealed record Retry(AuditRecord Earlier) : StartDecision;

    /// <summary>A budget would be exceeded; nothing was held.</summary>
    public sealed record OverBudget(BudgetUsage Usage) : StartDecision;

    /// <summary>The approval the call relied on is no longer usable (expired, or used by another call).</summary>
    public sealed record ApprovalGone(string ApprovalId) : StartDecision;

    /// <summary>Concurrent calls filled a rate limit since the call's first check; nothing was written.</summary>
    public sealed record RateLimited(RateLimitHit Hit) : StartDecision;

    /// <summary>Another call on the same object, whose outcome is not known yet, must finish first.</summary>
    public sealed record ObjectBusy(AuditRecord Other) : StartDecision;
}

/// <summary>A rate limit that refused a call and when it frees up.</summary>
public sealed record RateLimitHit(RateLimit Limit, int Used, TimeSpan RetryAfter);

/// <summary>The enforced rate limit a call hit (then it was not counted), and the shadow limits it went over.</summary>
public sealed record RateCheck(RateLimitHit? Hit, IReadOnlyList<RateLimitHit> ShadowHits);

/// <summary>
/// A server instance's claim that it runs: renewed while it does. The calls it started whose outcome is unknown are its
/// own to finish until the lease lapses (or, on its host, its process is gone); then they are orphans anyone settles.
/// </summary>
public sealed record InstanceLease(string Instance, string Host, int Pid, DateTimeOffset Started, DateTimeOffset Renewed, DateTimeOffset Expires);

/// <summary>An active revocation that covers an agent.</summary>
public sealed record Revocation(string Scope, DateTimeOffset RevokedAt, string? Reason);

/// <summary>Usage of one budget: held and settled minor units inside its window (<see cref="Agent"/> set for agent budgets).</summary>
public sealed record BudgetUsage(string Role, string? Agent, Budget Budget, long SettledMinor, long HeldMinor)
{
    public long UsedMinor => SettledMinor + HeldMinor;
    public long RemainingMinor => Math.Max(0, Budget.Limit.Minor - UsedMinor);
}

/// <summary>Filter for reading the audit log.</summary>
public sealed record AuditQuery(string? Agent = null, DateTimeOffset? Since = null, int? Limit = null)
{
    public string? Tool { get; init; }

    public string? Outcome { get; init; }

    /// <summary>Only records before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Whether to read each record's latest chain hash (the table view does not show it).</summary>
    public bool WithHashes { get; init; } = true;

    /// <summary>Whether to read each record's arguments and stored result, the bulk of a row (the table view shows neither).</summary>
    public bool WithPayloads { get; init; } = true;
}

/// <summary>What <c>keybrake-mcp agents</c> shows of one agent: its last call and the money it moved (or holds) recently.</summary>
public sealed record AgentActivity(string Agent, DateTimeOffset? LastCall, IReadOnlyDictionary<string, long> SpendByCurrency);
