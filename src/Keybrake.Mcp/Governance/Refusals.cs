using Keybrake.Mcp.Governance.Steps;
using Keybrake.Mcp.Ledger;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Governance;

/// <summary>Answers a call with a refusal: audited (and counted against the rate limits it passed), then returned to the agent.</summary>
public sealed class Refusals(ILedger ledger, SpentBudgetHints hints, ILogger<Refusals> logger)
{
    /// <param name="counted">Whether the refusal counts against <see cref="ToolCall.CountsAgainst"/>: not when the call's start already counted it.</param>
    public async Task<ToolResponse> RefuseAsync(ToolCall call, Denial denial, CancellationToken ct, bool counted = true)
    {
        try
        {
            await ledger.RecordVerdictAsync(new Verdict(call.CallId, call.Who, call.ToolName, call.ArgumentsJson, denial.Code, denial.Message, null)
            {
                CountsAgainst = counted ? call.CountsAgainst : [],
                Auth = call.Auth,
            }, ct);
        }
        catch (LedgerUnavailableException ex)
        {
            // The refusal stands without its row: nothing reached Stripe.
            logger.LogError(ex, "Could not audit a refusal ({Code}) of {Tool} for {Agent}", denial.Code, call.ToolName, call.Agent);
        }

        if (denial.Code == DenialCodes.BudgetExceeded)
        {
            hints.Spent(call.Who);
        }

        logger.LogInformation("Refused {Tool} for {Agent}: {Code}", call.ToolName, call.Agent, denial.Code);
        call.Ending = new CallEnding(AuditOutcomes.Denied, denial.Code, null);
        return ToolResponse.Error(denial);
    }
}
