using System.Diagnostics;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>One settled call, for the <c>reconcile</c> command's report.</summary>
public sealed record ReconcileReport(AuditRecord Call, string Result, string Detail);

/// <summary>
/// Settles calls whose outcome is unknown by asking Stripe what became of them: the very request sent again under its
/// idempotency key while Stripe keeps it (answered with the first outcome, or done now, once, if it never arrived, unless
/// what it acts on changed since), else the evidence on the object. At start-up, with <c>keybrake-mcp reconcile</c>, and
/// before a new call acts on the same object, and by every live server for the orphans of instances that stopped. Calls
/// younger than the grace period may still be in flight in another process and are left alone, unless their instance
/// stopped (<see cref="Orphans"/>); their money stays held meanwhile.
/// </summary>
public sealed class Reconciler(ILedger ledger, ToolRegistry tools, ManifestSource manifests, TimeProvider time, ILogger<Reconciler> logger)
{
    /// <summary>Default grace: longer than a Stripe call with its timeouts and retries can take.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(2);

    private readonly Orphans _orphans = new(ledger, time);

    /// <summary>
    /// How long a call is settled by sending it again with its idempotency key: Stripe keeps keys at least 24 hours; past
    /// that, a re-send could be a new request, so only evidence on the objects settles it.
    /// </summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromHours(23);

    public TimeSpan Grace { get; init; } = DefaultGrace;

    /// <summary>
    /// Reconciles every unknown call (of the given roles, or all) older than <paramref name="grace"/>, and every orphan
    /// (its instance stopped) at once, whatever its age.
    /// </summary>
    public async Task<IReadOnlyList<ReconcileReport>> ReconcileAllAsync(IReadOnlyCollection<string>? roles, TimeSpan? grace, CancellationToken ct) =>
        await ReconcileAsync(null, roles, grace ?? Grace, ct);

    /// <summary>Reconciles the orphans only (of the given roles): what a live instance does for the instances that stopped.</summary>
    public async Task<IReadOnlyList<ReconcileReport>> ReconcileOrphansAsync(IReadOnlyCollection<string>? roles, CancellationToken ct) =>
        await ReconcileAsync(null, roles, TimeSpan.MaxValue, ct);

    /// <summary>Reconciles unknown calls on one Stripe object; true when any was settled (what the object holds changed).</summary>
    public async Task<bool> ReconcileObjectAsync(string stripeObject, CancellationToken ct) =>
        (await ReconcileAsync(stripeObject, null, Grace, ct)).Any(r => r.Result != "unknown");

    /// <summary>Whether the call's instance stopped (see <see cref="Orphans"/>): then nobody else will finish it.</summary>
    public async Task<bool> IsOrphanAsync(AuditRecord call, CancellationToken ct) => (await _orphans.JudgeAsync(ct))(call);

    private async Task<List<ReconcileReport>> ReconcileAsync(string? stripeObject, IReadOnlyCollection<string>? roles, TimeSpan grace, CancellationToken ct)
    {
        var calls = (await ledger.ReadUnknownAsync(stripeObject, DateTimeOffset.MaxValue, ct)).Where(c => roles is null || roles.Contains(c.Role)).ToList();
        var reports = new List<ReconcileReport>();
        if (calls.Count == 0)
        {
            return reports;
        }

        var orphan = await _orphans.JudgeAsync(ct);
        var startedBefore = grace == TimeSpan.MaxValue ? DateTimeOffset.MinValue : time.GetUtcNow() - grace;
        foreach (var call in calls.Where(c => c.Time < startedBefore || orphan(c)))
        {
            reports.Add(await ReconcileAsync(call, ct));
        }

        return reports;
    }

    private async Task<ReconcileReport> ReconcileAsync(AuditRecord call, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        if (tools.Find(call.Tool) is not { } operation || !manifests.Current.Roles.TryGetValue(call.Role, out var role))
        {
            return new ReconcileReport(call, "unknown", $"role '{call.Role}' or tool '{call.Tool}' is not configured here");
        }

        var outcome = await operation.ReconcileAsync(call, role, replay: time.GetUtcNow() - call.Time < ReplayWindow, ct);
        var duration = call.DurationMs ?? (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (outcome)
        {
            case Reconciliation.Happened happened:
                var result = (System.Text.Json.Nodes.JsonObject)happened.Result.DeepClone();
                result["call_id"] = call.CallId;
                result["replayed"] = false;
                result["reconciled"] = true;
                await ledger.CompleteCallAsync(new CallCompletion
                {
                    CallId = call.CallId, Outcome = AuditOutcomes.Allowed, MovedMinor = happened.Moved?.Minor,
                    Currency = happened.Moved?.Currency.Code, Object = happened.Object, SettleAsHeld = happened.Moved is null,
                    RecurringDelta = happened.RecurringDelta,
                    Message = "reconciled: Stripe did it", DurationMs = duration, Result = result.ToJsonString(),
                }, ct);
                logger.LogInformation("Reconciled {CallId} ({Tool}): Stripe did it", call.CallId, call.Tool);
                return new ReconcileReport(call, "allowed", happened.Moved is { } moved ? $"moved {moved}" : "settled at the amount held");
            case Reconciliation.DidNotHappen missing:
                await ledger.CompleteCallAsync(new CallCompletion
                {
                    CallId = call.CallId, Outcome = AuditOutcomes.Failed, Code = DenialCodes.OutcomeUnknown,
                    Message = $"reconciled: Stripe did not do it ({missing.Why}); the hold was released", DurationMs = duration,
                }, ct);
                logger.LogInformation("Reconciled {CallId} ({Tool}): Stripe did not do it; hold released", call.CallId, call.Tool);
                return new ReconcileReport(call, "failed", missing.Why);
            case Reconciliation.StillUnknown unknown:
                logger.LogWarning("Could not reconcile {CallId} ({Tool}): {Why}; its money stays held", call.CallId, call.Tool, unknown.Why);
                return new ReconcileReport(call, "unknown", unknown.Why);
            default:
                throw new UnreachableException();
        }
    }
}
