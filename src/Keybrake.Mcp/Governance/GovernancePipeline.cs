using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance.Steps;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Observability;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Runs one tool call through <see cref="GovernanceSteps"/>; the first refusal stops it and is audited. A call that passes
/// every step is started, executed and completed by <see cref="CallExecution"/>. A ledger that cannot answer refuses the
/// call before it reaches Stripe (fail closed), caught here, once.
/// </summary>
public sealed class GovernancePipeline(GovernanceSteps steps, CallExecution execution, Refusals refusals, TimeProvider time,
    ILogger<GovernancePipeline> logger)
{
    /// <summary>The pipeline over these parts: the one place its steps and their helpers are put together.</summary>
    public static GovernancePipeline Create(ManifestSource manifests, ToolRegistry tools, ILedger ledger, IApprovalStore approvalStore, Reconciler reconciler,
        TimeProvider time, ILoggerFactory loggers)
    {
        var approvals = new ApprovalGate(approvalStore);
        var shadows = new ShadowRecorder(ledger, loggers.CreateLogger<ShadowRecorder>());
        var hints = new SpentBudgetHints();
        var refusals = new Refusals(ledger, hints, loggers.CreateLogger<Refusals>());
        return new GovernancePipeline(
            new GovernanceSteps(manifests, tools, ledger, approvals, shadows, hints, reconciler, loggers),
            new CallExecution(ledger, refusals, shadows, reconciler, time, loggers.CreateLogger<CallExecution>()),
            refusals, time, loggers.CreateLogger<GovernancePipeline>());
    }

    /// <param name="auth">How the caller proved who it is, for the audit (never the credential); null over stdio.</param>
    public async Task<ToolResponse> RunAsync(string agent, string toolName, JsonObject arguments, CancellationToken ct, IApprovalPrompt? prompt = null,
        string? auth = null)
    {
        var call = new ToolCall(agent, toolName, arguments, prompt, time) { Auth = auth };
        var response = await RunAsync(call, ct);
        CallTelemetry.Record(call, response);
        return response;
    }

    private async Task<ToolResponse> RunAsync(ToolCall call, CancellationToken ct)
    {
        var (agent, toolName, arguments, prompt, auth) = (call.Agent, call.ToolName, call.Arguments, call.Prompt, call.Auth);
        try
        {
            foreach (var step in steps.Full)
            {
                if (await step.CheckAsync(call, ct) is { } denial)
                {
                    call.RefusedBy = step;
                    return await refusals.RefuseAsync(call, denial, ct);
                }

                if (call.Earlier is { } earlier)
                {
                    return await execution.AnswerReplayAsync(call, earlier, ct);
                }
            }

            return await execution.RunAsync(call, ct);
        }
        catch (LedgerUnavailableException ex)
        {
            logger.LogError(ex, "Ledger unavailable; refusing {Tool} for {Agent} before it reaches Stripe", call.ToolName, agent);
            return await WithoutLedgerAsync(new ToolCall(agent, toolName, arguments, prompt, time) { Auth = auth }, ct);
        }
    }

    /// <summary>
    /// The ledger is down. A role whose manifest chose availability for its reads (<c>readsWithoutLedger</c>) still gets
    /// them, through the checks that need no ledger and without an audit row; everything else is refused.
    /// </summary>
    private async Task<ToolResponse> WithoutLedgerAsync(ToolCall call, CancellationToken ct)
    {
        var unavailable = ToolResponse.Error(new Denial(DenialCodes.Unavailable,
            "the audit ledger is unavailable, so the call was refused before reaching Stripe; try again shortly"));
        foreach (var step in steps.WithoutLedger)
        {
            if (await step.CheckAsync(call, ct) is { } denial)
            {
                // Only what Stripe said (no such record, another customer's) is answered as such; the rest waits for the ledger.
                return call.Resolved is null ? unavailable : ToolResponse.Error(denial);
            }

            if (call.Role is not { ReadsWithoutLedger: true } || call.Operation is { Effect: not ToolEffect.Read })
            {
                return unavailable;
            }
        }

        logger.LogWarning("Serving read {Tool} for {Agent} without an audit row (readsWithoutLedger)", call.ToolName, call.Agent);
        return await execution.ExecuteAsync(call.Operation!, call.Invocation, call.Resolved!, new ExecutionKeys($"kb_{call.CallId}", call.CallId, call.Agent), ct) switch
        {
            ExecutionResult.Succeeded ok => new ToolResponse(false, ok.Result),
            ExecutionResult.Failed failed => ToolResponse.Error(failed.Denial),
            _ => ToolResponse.Error(new Denial(DenialCodes.Unavailable, $"{call.ToolName}: Stripe did not answer; try again")),
        };
    }
}
