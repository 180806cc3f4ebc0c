using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance.Policy;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Runs one tool call through the checks of DESIGN.md section 2, in order; the first refusal stops the chain and is
/// audited. Rate limits are checked before anything is read from Stripe, so a refused caller costs Stripe nothing; the
/// call is counted in the next write it makes (its start or its refusal).
/// </summary>
public sealed class GovernancePipeline(
    ToolRegistry tools,
    ManifestSource manifests,
    IdentifyAgentCheck identify,
    ILedger ledger,
    ApprovalGate approvals,
    ShadowRecorder shadows,
    Reconciler reconciler,
    SpentBudgetHints spentHints,
    TimeProvider time,
    ILogger<GovernancePipeline> logger)
{
    private readonly InputSchemaCache _schemas = new();

    public async Task<ToolResponse> RunAsync(string agent, string toolName, JsonObject arguments, CancellationToken ct, IApprovalPrompt? prompt = null)
    {
        // A null argument is an absent one: clients that make every argument required for a model's strict function
        // schema (OpenAI's) send null for what the model left out. A required one left null is refused as missing.
        if (arguments.Any(a => a.Value is null))
        {
            arguments = new JsonObject(arguments.Where(a => a.Value is not null).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value!.DeepClone())));
        }

        // The name is the client's: a huge one (no tool is named so) must not make every refusal and audit row huge.
        toolName = AuditArguments.BoundToolName(toolName);

        // Time-ordered ids: the ledger's indexes on call ids then grow at one end instead of being written all over.
        var callId = $"call_{Guid.CreateVersion7():N}";
        var started = Stopwatch.GetTimestamp();
        // Canonical, so argument order does not make two requests of one.
        var argumentsJson = CanonicalJson.Of(arguments);

        // 1. Identify. A ledger that cannot say whether the agent is revoked refuses (fail closed).
        RoleManifestAndGrant who;
        try
        {
            var (role, grant, denial) = await identify.CheckAsync(agent, toolName, ct);
            if (denial is not null)
            {
                var caller = new CallIdentity(agent, role?.Role ?? "");
                if (role is null)
                {
                    return await DenyAsync(callId, caller, toolName, argumentsJson, denial, ct);
                }

                // The role is known (a tool it is not granted, a revoked agent): the refusal counts against its rate limits
                // too, so a flood of calls to tools it does not have is limited like any other.
                var limit = await ledger.CheckRateAsync(caller, role.RateLimits, ct);
                return limit.Hit is { } over
                    ? await DenyAsync(callId, caller, toolName, argumentsJson, RateLimited(toolName, role, over), ct)
                    : await DenyAsync(callId, caller, toolName, argumentsJson, denial, ct, role.RateLimits);
            }

            who = new RoleManifestAndGrant(role!, grant!);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            return await UnavailableAsync(ex, agent, toolName, arguments, ct);
        }

        var identity = new CallIdentity(agent, who.Role.Role);
        var operation = tools.Find(toolName);
        if (operation is null)
        {
            return await DenyAsync(callId, identity, toolName, argumentsJson,
                new Denial(DenialCodes.NotAllowed, $"tool '{toolName}' is not implemented by this server"), ct);
        }

        // 4. Rate limits, checked before anything else is looked at: a flood of refused calls (bad arguments, a spent
        // budget) is limited like any other. The call is counted, after an exact check, by its next write: its start or
        // its refusal (one transaction fewer per call than counting here).
        try
        {
            var rate = await ledger.CheckRateAsync(identity, who.Role.RateLimits, ct);
            foreach (var shadow in rate.ShadowHits)
            {
                await shadows.RecordAsync(callId, identity, toolName, argumentsJson, RateLimited(toolName, who.Role, shadow), ct);
            }

            if (rate.Hit is { } hit)
            {
                return await DenyAsync(callId, identity, toolName, argumentsJson, RateLimited(toolName, who.Role, hit), ct);
            }
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            return await UnavailableAsync(ex, agent, toolName, arguments, ct);
        }

        // From here on every outcome counts against the rate limits: in the refusal's write, or in the call's start.
        var counted = who.Role.RateLimits;

        // 2. Validate against the very schema the agent was shown. A shadow grant publishes Stripe's unconstrained
        // schema and only records what its own constraints would have refused.
        var problems = ArgumentValidator.Validate(_schemas.For(operation, who.Role, who.Grant.Shadow ? ToolGrant.Unconstrained : who.Grant), arguments,
            operation.ExactlyOneOf(who.Role));
        if (problems.Count > 0)
        {
            return await DenyAsync(callId, identity, toolName, argumentsJson,
                new Denial(DenialCodes.InvalidArguments, ArgumentValidator.Summarize(toolName, problems)), ct, counted);
        }

        if (who.Grant.Shadow && ArgumentValidator.Validate(_schemas.For(operation, who.Role, who.Grant), arguments, operation.ExactlyOneOf(who.Role)) is { Count: > 0 } wouldRefuse)
        {
            await shadows.RecordAsync(callId, identity, toolName, argumentsJson,
                new Denial(DenialCodes.InvalidArguments, ArgumentValidator.Summarize(toolName, wouldRefuse)), ct);
        }

        var invocation = new ToolInvocation(callId, agent, who.Role, who.Grant, arguments);
        var request = operation.Effect == ToolEffect.Read ? null : RequestIdentity.For(agent, toolName, arguments, argumentsJson);
        try
        {
            // A retry of a request that moved money (or may have) is answered from the ledger, before anything
            // is re-read from Stripe: a full refund retried would otherwise resolve to "nothing left to refund".
            if (request is not null && await ledger.FindEarlierAsync(request.Fingerprint, request.RetryHorizon(time.GetUtcNow()), ct) is { } earlier)
            {
                return await AnswerRetryAsync(operation, invocation, identity, argumentsJson, earlier, started, ct);
            }
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            return await UnavailableAsync(ex, agent, toolName, arguments, ct);
        }

        // A spent budget refuses before any Stripe read: a runaway agent costs one ledger read, not Stripe requests.
        Denial? spent;
        try
        {
            spent = await SpentBudgetAsync(operation, invocation, identity, request, ct);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            return await UnavailableAsync(ex, agent, toolName, arguments, ct);
        }

        if (spent is not null)
        {
            return await DenyAsync(callId, identity, toolName, argumentsJson, spent, ct, counted);
        }

        // 3. Resolve what the call touches and moves, then check record scope and amount constraints.
        var resolved = await operation.ResolveAsync(invocation, ct);
        if (operation.Effect != ToolEffect.Read && resolved.Denial is null && resolved.Object is { } touched && await SettleEarlierAsync(touched, ct))
        {
            // An earlier call on this object had an unknown outcome and is now settled: what it holds may have changed.
            resolved = await operation.ResolveAsync(invocation, ct);
        }

        var refusal = resolved.Denial ?? ScopeCheck.Check(who.Role, resolved);
        if (AmountCheck.Check(toolName, who.Role, who.Grant, resolved) is { } overAmount)
        {
            if (who.Grant.Shadow)
            {
                await shadows.RecordAsync(callId, identity, toolName, argumentsJson, overAmount, ct);
            }
            else
            {
                refusal ??= overAmount;
            }
        }

        if (refusal is not null)
        {
            return await DenyAsync(callId, identity, toolName, argumentsJson, refusal, ct, counted);
        }

        if (who.Grant.Shadow && who.Grant.ApprovalAbove is { } shadowThreshold && resolved.Moves is { } shadowMoves
            && shadowMoves.Currency == shadowThreshold.Currency && shadowMoves.Minor > shadowThreshold.Minor)
        {
            await shadows.RecordAsync(callId, identity, toolName, argumentsJson, new Denial(DenialCodes.ApprovalRequired,
                $"{resolved.Action} of {shadowMoves} is above {toolName}'s approval threshold of {shadowThreshold}"), ct);
        }

        // 6. Large amounts wait for a decision bound to this very request.
        string? approvalId = null;
        if (request is not null && ApprovalGate.Applies(operation, who.Grant, resolved))
        {
            Denial? waiting;
            try
            {
                (approvalId, waiting) = await approvals.PassAsync(identity, who.Role, toolName, resolved, request, argumentsJson, prompt, ct);
            }
            catch (Exception ex) when (IsLedgerFailure(ex))
            {
                return await UnavailableAsync(ex, agent, toolName, arguments, ct);
            }

            if (waiting is not null)
            {
                return await DenyAsync(callId, identity, toolName, argumentsJson, waiting, ct, counted);
            }
        }

        // 5 + 7. Hold the money and write the "started" audit row in one transaction; no row, no Stripe call.
        var idempotencyKey = request?.IdempotencyKeyFor(callId) ?? $"kb_{callId}";
        StartDecision decision;
        try
        {
            decision = await ledger.StartCallAsync(new CallStart
            {
                CallId = callId,
                Who = identity,
                Tool = toolName,
                Arguments = argumentsJson,
                Fingerprint = request?.Fingerprint,
                RetryHorizon = request?.RetryHorizon(time.GetUtcNow()) ?? DateTimeOffset.MaxValue,
                IdempotencyKey = idempotencyKey,
                Hold = operation.Effect == ToolEffect.MovesMoney ? resolved.Moves : null,
                Budgets = who.Role.Budgets,
                Object = resolved.Object,
                ExclusiveOnObject = operation.OneAtATimePerObject && operation.Effect != ToolEffect.Read,
                ApprovalId = approvalId,
                RateLimits = counted,
                Context = resolved.Prepared?.ToJsonString(),
            }, ct);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            return await UnavailableAsync(ex, agent, toolName, arguments, ct);
        }

        if (decision is StartDecision.Started { ShadowOverruns.Count: > 0 } begun)
        {
            foreach (var usage in begun.ShadowOverruns)
            {
                await shadows.RecordAsync(callId, identity, toolName, argumentsJson, AmountCheck.OverBudget(resolved, usage), ct);
            }
        }

        switch (decision)
        {
            case StartDecision.Retry retry:
                return await AnswerRetryAsync(operation, invocation, identity, argumentsJson, retry.Earlier, started, ct);
            case StartDecision.OverBudget over:
                return await DenyAsync(callId, identity, toolName, argumentsJson, AmountCheck.OverBudget(resolved, over.Usage), ct);
            case StartDecision.RateLimited limited:
                return await DenyAsync(callId, identity, toolName, argumentsJson, RateLimited(toolName, who.Role, limited.Hit), ct);
            case StartDecision.ObjectBusy busy:
                return await DenyAsync(callId, identity, toolName, argumentsJson, new Denial(DenialCodes.OutcomeUnknown,
                    $"call {busy.Other.CallId} ({busy.Other.Tool}) on {busy.Other.Object} has not completed: its outcome is not known yet, and " +
                    $"{toolName} waits for it so as not to act on a state it is still changing. Retry in a few seconds; if it stays unknown, " +
                    "an operator settles it with 'keybrake-mcp reconcile'").With("call_id", busy.Other.CallId), ct, counted);
            case StartDecision.ApprovalGone gone:
                return await DenyAsync(callId, identity, toolName, argumentsJson, new Denial(DenialCodes.ApprovalRequired,
                    $"approval {gone.ApprovalId} is no longer valid (it expired or another call used it); retry this call to ask for a new one")
                    .With("approval_id", gone.ApprovalId), ct);
        }

        // 8-10. Execute, settle with the money Stripe reports, complete the audit row.
        var result = await ExecuteAsync(operation, invocation with { Prepared = resolved.Prepared }, resolved, new ExecutionKeys(idempotencyKey, callId, agent), ct);
        return await CompleteAsync(callId, operation, result, replayed: false, started, ct);
    }

    private async Task<ToolResponse> AnswerRetryAsync(IToolOperation operation, ToolInvocation invocation, CallIdentity identity, string argumentsJson,
        AuditRecord earlier, long started, CancellationToken ct)
    {
        if (earlier.Outcome == AuditOutcomes.Allowed && earlier.Result is { } stored && JsonNode.Parse(stored) is JsonObject result)
        {
            result["replayed"] = true;
            logger.LogInformation("Answered retry of {CallId} ({Tool}) from the ledger", earlier.CallId, operation.Name);
            return new ToolResponse(false, result);
        }

        // The earlier attempt's outcome is unknown: send the very same request again (what it prepared, the same idempotency
        // key). Stripe either replays what it did or does it now, once; the original hold still covers it, and the money
        // is settled on Stripe's answer, as on a first attempt. Unless sending it again could do harm:
        var prepared = earlier.Context is { } context ? JsonNode.Parse(context) as JsonObject : null;
        var again = invocation with { CallId = earlier.CallId, Prepared = prepared };
        var age = time.GetUtcNow() - earlier.Time;
        var stillRunning = earlier.Code is null && age < reconciler.Grace && !await reconciler.IsOrphanAsync(earlier, ct);
        var notNow = earlier switch
        {
            // Still running where it started (and that instance runs): a second sender would race it to complete the same row.
            _ when stillRunning =>
                $"call {earlier.CallId} of this same request started {age.TotalSeconds:0} s ago and is still in progress; retry in a few seconds",
            // Stripe keeps idempotency keys 24 hours: past that, the same key could be a second, new request.
            _ when age >= Reconciler.ReplayWindow =>
                $"call {earlier.CallId} of this same request has an unknown outcome and is too old ({age.TotalHours:0} h) to be sent again safely",
            { ArgumentsSha256: not null } => $"call {earlier.CallId} of this same request was too large to keep whole, so it cannot be sent again as it was",
            _ when earlier.IdempotencyKey is null || !operation.CanReplay(again) =>
                $"call {earlier.CallId} of this same request cannot be sent again as the very same request",
            _ => null,
        };
        if (notNow is null && await operation.ChangedSincePreparedAsync(again, ct) is { } changed)
        {
            notNow = $"call {earlier.CallId} of this same request is not sent again: {changed}";
        }

        if (notNow is not null)
        {
            return await DenyAsync(invocation.CallId, identity, operation.Name, argumentsJson, new Denial(DenialCodes.OutcomeUnknown,
                $"{notNow}. Its money stays held until it is settled: 'keybrake-mcp reconcile' asks Stripe what became of it")
                .With("call_id", earlier.CallId), ct);
        }

        var keys = new ExecutionKeys(earlier.IdempotencyKey!, earlier.CallId, invocation.Agent) { Resend = true };
        var outcome = await ExecuteAsync(operation, again, null, keys, ct);
        return await CompleteAsync(earlier.CallId, operation, outcome, replayed: true, started, ct);
    }

    private async Task<ExecutionResult> ExecuteAsync(IToolOperation operation, ToolInvocation invocation, Resolution? resolved, ExecutionKeys keys, CancellationToken ct)
    {
        try
        {
            var result = await operation.ExecuteAsync(invocation, resolved, keys, ct);
            return result is ExecutionResult.Succeeded ok && invocation.Role.RedactPersonalData
                ? ok with { Result = PersonalDataRedactor.Redact(ok.Result) }
                : result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // An unexpected failure after the request may have been sent: we cannot say nothing moved.
            logger.LogError(ex, "{Tool} failed with an unexpected error; outcome unknown", operation.Name);
            return new ExecutionResult.Unknown($"{operation.Name} did not complete ({ex.GetType().Name})");
        }
    }

    private async Task<ToolResponse> CompleteAsync(string callId, IToolOperation operation, ExecutionResult result, bool replayed, long started, CancellationToken ct)
    {
        var durationMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        ToolResponse response;
        CallCompletion completion;
        switch (result)
        {
            case ExecutionResult.Succeeded ok:
                var structured = (JsonObject)ok.Result.DeepClone();
                if (operation.Effect != ToolEffect.Read)
                {
                    structured["call_id"] = callId;
                    structured["replayed"] = replayed;
                }

                response = new ToolResponse(false, structured);
                // What a later retry is answered with: this answer, as first given.
                var stored = structured;
                if (replayed)
                {
                    stored = (JsonObject)structured.DeepClone();
                    stored["replayed"] = false;
                }

                completion = new CallCompletion
                {
                    CallId = callId, Outcome = AuditOutcomes.Allowed, MovedMinor = ok.Moved?.Minor,
                    Currency = ok.Moved?.Currency.Code, Object = ok.Object, StripeRequestId = ok.StripeRequestId,
                    // A money mover whose answer did not state the money keeps what it held: never released on a success.
                    SettleAsHeld = operation.Effect == ToolEffect.MovesMoney && ok.Moved is null,
                    RecurringDelta = ok.RecurringDelta,
                    DurationMs = durationMs, Result = operation.Effect == ToolEffect.Read ? null : stored.ToJsonString(),
                };
                break;
            case ExecutionResult.Failed failed:
                response = ToolResponse.Error(failed.Denial);
                completion = new CallCompletion
                {
                    CallId = callId, Outcome = AuditOutcomes.Failed, Code = failed.Denial.Code, Message = failed.Denial.Message,
                    StripeRequestId = failed.StripeRequestId, DurationMs = durationMs,
                };
                break;
            case ExecutionResult.Unknown unknown:
                var denial = new Denial(DenialCodes.OutcomeUnknown,
                    $"{unknown.Message}. The money stays held until the call is reconciled; " +
                    "retry with the same arguments (and request_id) to learn the outcome: it will not move money twice").With("call_id", callId);
                response = ToolResponse.Error(denial);
                completion = new CallCompletion
                {
                    CallId = callId, Outcome = AuditOutcomes.Unknown, Code = denial.Code, Message = denial.Message, DurationMs = durationMs,
                };
                break;
            default:
                throw new UnreachableException();
        }

        try
        {
            await ledger.CompleteCallAsync(completion, CancellationToken.None);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            // Stripe already acted: tell the agent what happened; the row stays "unknown" for reconciliation.
            logger.LogCritical(ex, "Could not complete audit row {CallId}; it stays 'unknown' until reconciled", callId);
        }

        return response;
    }

    /// <summary>
    /// For an agent last refused for a spent budget (<see cref="SpentBudgetHints"/>), a budget refusal known before the
    /// amount is: in every currency the call could move (the tool's maxAmount currency, else the budgets' ones; others
    /// are refused by the amount check), some budget lacks room for the least it moves. A request with a live approval
    /// is left to the approval gate, whose hold it may use.
    /// </summary>
    private async Task<Denial?> SpentBudgetAsync(IToolOperation operation, ToolInvocation call, CallIdentity identity, RequestIdentity? request, CancellationToken ct)
    {
        var budgets = call.Role.Budgets;
        if (request is null || operation.Effect != ToolEffect.MovesMoney || budgets.IsEmpty || !spentHints.Suspected(identity)
            || operation.LeastMoved(call) is not { } least)
        {
            return null;
        }

        var currencies = call.Grant.MaxAmount is { } max ? [max.Currency] : budgets.Select(b => b.Limit.Currency).Distinct();
        BudgetUsage? first = null;
        foreach (var currency in currencies)
        {
            var inCurrency = budgets.Where(b => b.Limit.Currency == currency).ToList();
            if (inCurrency.Count == 0 || await ledger.FindBudgetWithoutRoomAsync(identity, inCurrency, least, ct) is not { } full)
            {
                spentHints.HasRoom(identity);
                return null;
            }

            first ??= full;
        }

        if (first is not { } spent || (call.Grant.ApprovalAbove is not null && await approvals.HasLiveApprovalAsync(request, ct)))
        {
            return null;
        }

        return AmountCheck.NoRoom(operation.Name, spent, least);
    }

    private static Denial RateLimited(string toolName, RoleManifest role, RateLimitHit hit)
    {
        var seconds = (long)Math.Ceiling(hit.RetryAfter == TimeSpan.MaxValue ? 0 : hit.RetryAfter.TotalSeconds);
        var whose = hit.Limit.Per == LimitScope.Agent ? "agent" : $"role '{role.Role}'";
        return new Denial(DenialCodes.RateLimited,
                $"{toolName} refused: the {whose} made {hit.Used} calls in the last {hit.Limit.Window.Name()} (limit {hit.Limit.Calls}); retry after {seconds} s")
            .With("retry_after_seconds", seconds);
    }

    private async Task<bool> SettleEarlierAsync(string stripeObject, CancellationToken ct)
    {
        try
        {
            return await reconciler.ReconcileObjectAsync(stripeObject, ct);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            // The reservation step below fails closed on its own; nothing to add here.
            logger.LogWarning(ex, "Could not look for unsettled calls on {Object}", stripeObject);
            return false;
        }
    }

    /// <param name="countsAgainst">The rate limits a refusal after the rate check counts against (none before it).</param>
    private async Task<ToolResponse> DenyAsync(string callId, CallIdentity who, string tool, string arguments, Denial denial, CancellationToken ct,
        IReadOnlyList<RateLimit>? countsAgainst = null)
    {
        var response = ToolResponse.Error(denial);
        try
        {
            await ledger.RecordDenialAsync(new DeniedCall(callId, who, tool, arguments, denial.Code, denial.Message, null)
            {
                CountsAgainst = countsAgainst ?? [],
            }, ct);
        }
        catch (Exception ex) when (IsLedgerFailure(ex))
        {
            logger.LogError(ex, "Could not audit a refusal ({Code}) of {Tool} for {Agent}", denial.Code, tool, who.Agent);
        }

        if (denial.Code == DenialCodes.BudgetExceeded)
        {
            spentHints.Spent(who);
        }

        logger.LogInformation("Refused {Tool} for {Agent}: {Code}", tool, who.Agent, denial.Code);
        return response;
    }

    private async Task<ToolResponse> UnavailableAsync(Exception ex, string agent, string toolName, JsonObject arguments, CancellationToken ct)
    {
        logger.LogError(ex, "Ledger unavailable; refusing {Tool} for {Agent} before it reaches Stripe", toolName, agent);
        if (manifests.Current.RoleOf(agent) is { ReadsWithoutLedger: true } role
            && role.Tools.TryGetValue(toolName, out var grant)
            && tools.Find(toolName) is { Effect: ToolEffect.Read } read
            && ArgumentValidator.Validate(_schemas.For(read, role, grant), arguments, read.ExactlyOneOf(role)).Count == 0)
        {
            // The operator chose availability for this role's reads: scope still applies; only the audit row is missing.
            logger.LogWarning("Serving read {Tool} for {Agent} without an audit row (readsWithoutLedger)", toolName, agent);
            var invocation = new ToolInvocation($"call_{Guid.CreateVersion7():N}", agent, role, grant, arguments);
            var resolved = await read.ResolveAsync(invocation, ct);
            if ((resolved.Denial ?? ScopeCheck.Check(role, resolved)) is { } refusal)
            {
                return ToolResponse.Error(refusal);
            }

            return await ExecuteAsync(read, invocation, resolved, new ExecutionKeys($"kb_{invocation.CallId}", invocation.CallId, agent), ct) switch
            {
                ExecutionResult.Succeeded ok => new ToolResponse(false, ok.Result),
                ExecutionResult.Failed failed => ToolResponse.Error(failed.Denial),
                _ => ToolResponse.Error(new Denial(DenialCodes.Unavailable, $"{toolName}: Stripe did not answer; try again")),
            };
        }

        return ToolResponse.Error(new Denial(DenialCodes.Unavailable,
            "the audit ledger is unavailable, so the call was refused before reaching Stripe; try again shortly"));
    }

    private static bool IsLedgerFailure(Exception ex) =>
        ex is LedgerUnavailableException or ObjectDisposedException; // the ledger closing at shutdown

    private sealed record RoleManifestAndGrant(Manifests.RoleManifest Role, Manifests.ToolGrant Grant);
}
