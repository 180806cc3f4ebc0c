using Keybrake.Mcp.Governance.Steps;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// The checks every tool call goes through, in order: the one place that says what governs a call. Numbers are DESIGN.md
/// section 2's. Two things differ from its order, on purpose: the rate limit is read first (4, early), so that a flood
/// of calls bound to be refused is limited too and costs Stripe nothing; and three checks are made twice, early from a
/// read for a fast refusal (<see cref="IEarlyCheck"/>), then exactly under the ledger's lock when the call starts
/// (<see cref="CallExecution"/>: 4, 5 and 7 in one transaction).
/// </summary>
public sealed class GovernanceSteps
{
    public GovernanceSteps(ManifestSource manifests, ToolRegistry tools, ILedger ledger, ApprovalGate approvals, ShadowRecorder shadows,
        SpentBudgetHints hints, Reconciler reconciler, ILoggerFactory loggers)
    {
        var schemas = new InputSchemaCache();
        IGovernanceStep known = new KnownAgentStep(manifests), granted = new GrantedToolStep(tools), resolve = new ResolveStep(reconciler, loggers.CreateLogger<ResolveStep>());
        var constraintsEnforced = new ArgumentConstraintsStep(schemas);
        IGovernanceStep shape = new ArgumentShapeStep(schemas), constraints = new ShadowMode(constraintsEnforced, shadows);
        IGovernanceStep scope = new ScopeStep(), amount = new ShadowMode(new AmountStep(), shadows);
        Full =
        [
            known,                                              // 1  identify: the agent is in a manifest
            new EarlyRateLimitStep(ledger),                     // 4  rate limit, early (counted when the call is refused or starts)
            new RevocationStep(ledger),                         // 1  identify: not revoked
            granted,                                            // 1  identify: the tool is the role's
            new ShadowRateLimitStep(shadows),                   // 4  shadow rate limits the call went over, audited
            shape,                                              // 2  validate: the shape (shadow grants)
            constraints,                                        // 2  validate: the grant's schema
            new EarlyReplayStep(ledger),                        // 7  a retry of a request that ran is answered from the ledger
            new EarlyBudgetStep(ledger, approvals, hints),      // 5  a spent budget, early (reserved exactly at the start)
            resolve,                                            // 3  resolve the record and the money from Stripe
            scope,                                              // 3  the record's customer
            amount,                                             // 3  maxAmount, currencies, maxRecurringIncrease
            new ShadowMode(new ApprovalStep(approvals), shadows), // 6  approval above the threshold
        ];
        // readsWithoutLedger: the operator chose availability for a role's reads when the ledger is down. The checks
        // that need no ledger still apply; revocations, rate limits and the audit row cannot. Nothing is shadowed here:
        // with no ledger to record what a shadow rule would refuse, the grant's constraints are enforced.
        WithoutLedger = [known, granted, constraintsEnforced, resolve, scope];
    }

    /// <summary>Every call's checks; a call that passes them all starts (<see cref="CallExecution"/>).</summary>
    public IReadOnlyList<IGovernanceStep> Full { get; }

    /// <summary>A read's checks while the ledger is unavailable, for a role with <c>readsWithoutLedger</c>.</summary>
    public IReadOnlyList<IGovernanceStep> WithoutLedger { get; }
}
