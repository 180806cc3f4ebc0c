using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>
/// A money-moving tool's currency must have a budget when the role has budgets: calls in a currency with budgets in
/// other currencies only are refused (no silent conversion), so such a grant could never move money.
/// </summary>
internal sealed class BudgetCurrencyRule : IRoleManifestRule
{
    public void Check(ManifestDraft draft)
    {
        var budgets = draft.Manifest.Budgets;
        if (budgets.IsEmpty || !draft.BudgetsComplete)
        {
            return;
        }

        var currencies = budgets.Select(b => b.Limit.Currency.Code).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var (tool, grant) in draft.Manifest.Tools)
        {
            var (field, amount) = grant.MaxAmount is { } max ? ("maxAmount", max) : ("approvalAbove", grant.ApprovalAbove);
            if (amount is not { } money || currencies.Contains(money.Currency.Code))
            {
                continue;
            }

            draft.Diagnostics.Report(
                JsonPath.Root.Property("tools").Property(tool).Property(field),
                $"\"{field}\" is in {money.Currency} but the role's budgets are only in {string.Join(", ", currencies)}: "
                + $"the role could never move {money.Currency} (no silent conversion); add a budget in {money.Currency} or use a budgeted currency");
        }
    }
}
