using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// A call that passed every check: start (steps 4, 5 and 7 at once: the exact rate and budget checks, the hold and the
/// "started" audit row, in one ledger transaction; no row, no Stripe call), execute (8), settle and complete (9, 10).
/// Also answers a retry of a request that already ran, from the ledger or by sending the very same request again.
/// </summary>
public sealed class CallExecution(ILedger ledger, Refusals refusals, ShadowRecorder shadows, Reconciler reconciler, TimeProvider time,
    ILogger<CallExecution> logger)
{
    public async Task<ToolResponse> RunAsync(ToolCall call, CancellationToken ct)
    {
        var operation = call.Operation!;
        var resolved = call.Resolved!;
        var idempotencyKey = call.Request?.IdempotencyKeyFor(call.CallId) ?? $"kb_{call.CallId}";
        var decision = await ledger.StartCallAsync(new CallStart
        {
            CallId = call.CallId,
            Who = call.Who,
            Tool = call.ToolName,
            Arguments = call.ArgumentsJson,
            Auth = call.Auth,
            Fingerprint = call.Request?.Fingerprint,
            // From now, not from the call's arrival: resolving (or a human at an approval prompt) may have taken a while.
            RetryHorizon = call.Request?.RetryHorizon(time.GetUtcNow()) ?? DateTimeOffset.MaxValue,
            IdempotencyKey = idempotencyKey,
            Hold = operation.Effect == ToolEffect.MovesMoney ? resolved.Moves : null,
            Budgets = call.Role!.Budgets,
            Object = resolved.Object,
            ExclusiveOnObject = operation.OneAtATimePerObject && operation.Effect != ToolEffect.Read,
            ApprovalId = call.ApprovalId,
            RateLimits = call.CountsAgainst,
            Context = resolved.Prepared?.ToJsonString(),
        }, ct);

        // Every refusal here was counted by the start itself (or, for a rate limit, not at all).
        switch (decision)
        {
            case StartDecision.Replay replay:
                return await AnswerReplayAsync(call, replay.Earlier, ct);
            case StartDecision.OverBudget over:
                return await refusals.RefuseAsync(call, AmountRules.OverBudget(resolved, over.Usage), ct, counted: false);
            case StartDecision.RateLimited limited:
                return await refusals.RefuseAsync(call, RateLimitRule.Refusal(call.ToolName, call.Who.Role, limited.Hit), ct, counted: false);
            case StartDecision.ObjectBusy busy:
                return await refusals.RefuseAsync(call, new Denial(DenialCodes.OutcomeUnknown,
                    $"call {busy.Other.CallId} ({busy.Other.Tool}) on {busy.Other.Object} has not completed: its outcome is not known yet, and " +
                    $"{call.ToolName} waits for it so as not to act on a state it is still changing. Retry in a few seconds; if it stays unknown, " +
                    "an operator settles it with 'keybrake-mcp reconcile'").With("call_id", busy.Other.CallId), ct, counted: false);
            case StartDecision.ApprovalGone gone:
                return await refusals.RefuseAsync(call, new Denial(DenialCodes.ApprovalRequired,
                    $"approval {gone.ApprovalId} is no longer valid (it expired or another call used it); retry this call to ask for a new one")
                    .With("approval_id", gone.ApprovalId), ct, counted: false);
            case StartDecision.Started { ShadowOverruns: var overruns }:
                foreach (var usage in overruns)
                {
                    await shadows.RecordAsync(call, AmountRules.OverBudget(resolved, usage), ct);
                }

                break;
        }

        var invocation = call.Invocation with { Prepared = resolved.Prepared };
        var result = await ExecuteAsync(operation, invocation, resolved, new ExecutionKeys(idempotencyKey, call.CallId, call.Agent), ct);
        return await CompleteAsync(call, call.CallId, operation, result, replayed: false, ct);
    }

    /// <summary>
    /// A retry of a request that moved money or may have: answered with the stored result when it was allowed; when its
    /// outcome is unknown, sent again as the very same request (what it prepared, the same idempotency key), so Stripe
    /// either replays what it did or does it now, once, on the original hold. Unless sending it again could do harm.
    /// </summary>
    public async Task<ToolResponse> AnswerReplayAsync(ToolCall call, AuditRecord earlier, CancellationToken ct)
    {
        var operation = call.Operation!;
        if (earlier.Outcome == AuditOutcomes.Allowed && earlier.Result is { } stored && JsonNode.Parse(stored) is JsonObject result)
        {
            result["replayed"] = true;
            // Answered, not moved again: the money was counted when it moved.
            call.Ending = new CallEnding(AuditOutcomes.Allowed, null, null);
            logger.LogInformation("Answered retry of {CallId} ({Tool}) from the ledger", earlier.CallId, operation.Name);
            return new ToolResponse(false, result);
        }

        var prepared = earlier.Context is { } context ? JsonNode.Parse(context) as JsonObject : null;
        var again = call.Invocation with { CallId = earlier.CallId, Prepared = prepared };
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
            return await refusals.RefuseAsync(call, new Denial(DenialCodes.OutcomeUnknown,
                $"{notNow}. Its money stays held until it is settled: 'keybrake-mcp reconcile' asks Stripe what became of it")
                .With("call_id", earlier.CallId), ct, counted: false);
        }

        var keys = new ExecutionKeys(earlier.IdempotencyKey!, earlier.CallId, call.Agent) { Resend = true };
        var outcome = await ExecuteAsync(operation, again, Resolution.Resend, keys, ct);
        return await CompleteAsync(call, earlier.CallId, operation, outcome, replayed: true, ct);
    }

    /// <summary>Sends the call to Stripe; never throws but for cancellation: whatever else happens is an unknown outcome.</summary>
    public async Task<ExecutionResult> ExecuteAsync(IToolOperation operation, ToolInvocation invocation, Resolution resolved, ExecutionKeys keys, CancellationToken ct)
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

    private async Task<ToolResponse> CompleteAsync(ToolCall call, string callId, IToolOperation operation, ExecutionResult result, bool replayed, CancellationToken ct)
    {
        var durationMs = (long)Stopwatch.GetElapsedTime(call.StartedTimestamp).TotalMilliseconds;
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
                call.Ending = new CallEnding(AuditOutcomes.Allowed, null, ok.Moved);
                break;
            case ExecutionResult.Failed failed:
                response = ToolResponse.Error(failed.Denial);
                completion = new CallCompletion
                {
                    CallId = callId, Outcome = AuditOutcomes.Failed, Code = failed.Denial.Code, Message = failed.Denial.Message,
                    StripeRequestId = failed.StripeRequestId, DurationMs = durationMs,
                };
                call.Ending = new CallEnding(AuditOutcomes.Failed, failed.Denial.Code, null);
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
                call.Ending = new CallEnding(AuditOutcomes.Unknown, denial.Code, null);
                break;
            default:
                throw new UnreachableException();
        }

        try
        {
            await ledger.CompleteCallAsync(completion, CancellationToken.None);
        }
        catch (LedgerUnavailableException ex)
        {
            // Stripe already acted: tell the agent what happened; the row stays "unknown" for reconciliation.
            logger.LogCritical(ex, "Could not complete audit row {CallId}; it stays 'unknown' until reconciled", callId);
        }

        return response;
    }
}
