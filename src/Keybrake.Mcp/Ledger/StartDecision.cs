namespace Keybrake.Mcp.Ledger;

/// <summary>The answer to <see cref="ILedger.StartCallAsync"/>.</summary>
public abstract record StartDecision
{
    private StartDecision() { }

    /// <summary>Recorded and held: the call may go to Stripe with this idempotency key.</summary>
    /// <param name="ShadowOverruns">Shadow budgets this call goes over: audited as <c>shadow_denied</c>, not enforced.</param>
    public sealed record Started(string IdempotencyKey, IReadOnlyList<BudgetUsage> ShadowOverruns) : StartDecision;

    /// <summary>The same request ran before; answer with its record instead of moving money again.</summary>
    public sealed record Replay(AuditRecord Earlier) : StartDecision;

    /// <summary>A budget would be exceeded; nothing was held.</summary>
    public sealed record OverBudget(BudgetUsage Usage) : StartDecision;

    /// <summary>The approval the call relied on is no longer usable (expired, or used by another call).</summary>
    public sealed record ApprovalGone(string ApprovalId) : StartDecision;

    /// <summary>Concurrent calls filled a rate limit since the call's first check; nothing was written.</summary>
    public sealed record RateLimited(RateLimitHit Hit) : StartDecision;

    /// <summary>Another call on the same object, whose outcome is not known yet, must finish first.</summary>
    public sealed record ObjectBusy(AuditRecord Other) : StartDecision;
}
