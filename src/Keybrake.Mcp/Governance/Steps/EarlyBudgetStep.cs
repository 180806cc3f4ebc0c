using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 5, early: for an agent last refused for a spent budget (<see cref="SpentBudgetHints"/>), a budget refusal known
/// before the amount is, so a runaway agent costs one ledger read, not Stripe requests: in every currency the call could
/// move (the tool's maxAmount currency, else the budgets' ones; others are refused by the amount rules), some budget lacks
/// room for the least it moves. A request with a live approval is left to the approval step, whose hold it may use. The
/// budget is reserved, exactly, when the call starts.
/// </summary>
public sealed class EarlyBudgetStep(ILedger ledger, ApprovalGate approvals, SpentBudgetHints hints) : IEarlyCheck
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        var operation = call.Operation!;
        var budgets = call.Role!.Budgets;
        if (call.Request is not { } request || operation.Effect != ToolEffect.MovesMoney || budgets.IsEmpty || !hints.Suspected(call.Who)
            || operation.LeastMoved(call.Invocation) is not { } least)
        {
            return null;
        }

        var currencies = call.Grant!.MaxAmount is { } max ? [max.Currency] : budgets.Select(b => b.Limit.Currency).Distinct();
        BudgetUsage? first = null;
        foreach (var currency in currencies)
        {
            var inCurrency = budgets.Where(b => b.Limit.Currency == currency).ToList();
            if (inCurrency.Count == 0 || await ledger.FindBudgetWithoutRoomAsync(call.Who, inCurrency, least, ct) is not { } full)
            {
                hints.HasRoom(call.Who);
                return null;
            }

            first ??= full;
        }

        if (first is not { } spent || (call.Grant.ApprovalAbove is not null && await approvals.HasLiveApprovalAsync(request, ct)))
        {
            return null;
        }

        return AmountRules.NoRoom(operation.Name, spent, least);
    }
}
