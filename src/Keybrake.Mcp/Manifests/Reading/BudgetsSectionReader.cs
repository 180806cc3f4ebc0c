using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>budgets</c>: money caps per agent or role over a rolling window, one per (per, window, currency).</summary>
internal static class BudgetsSectionReader
{
    private const string Example = "{ \"per\": \"agent\", \"window\": \"day\", \"limit\": \"500.00 USD\" }";

    /// <summary>The budgets, and whether every entry read cleanly (currency checks are only fair on the full list).</summary>
    public static (ImmutableArray<Budget> Budgets, bool Complete) Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var before = diagnostics.Count;
        var budgets = ListSection.Read(node, diagnostics, "budgets", Example, item => ReadOne(item, diagnostics));
        ReportDuplicates(budgets, diagnostics);
        return ([.. budgets.Select(b => b.Item)], diagnostics.Count == before);
    }

    private static Budget? ReadOne(ManifestNode node, FileDiagnostics diagnostics)
    {
        if (ObjectReader.Open(node, ManifestFields.Budget, diagnostics, "a budget") is not { } budget)
        {
            return null;
        }

        var per = LimitFields.Per(budget, diagnostics);
        var window = LimitFields.Window(budget, diagnostics);
        var limit = ManifestValues.Money(
            budget.Required("limit", "the most money the window may move, e.g. \"500.00 USD\""), diagnostics, "limit");
        var shadow = ManifestValues.Bool(budget.Optional("shadow"), diagnostics, "shadow");
        return per is null || window is null || limit is null ? null : new Budget(per.Value, window.Value, limit.Value, shadow ?? false);
    }

    // Two caps on the same usage would make "remaining" ambiguous in spend reports and refusals.
    private static void ReportDuplicates(ImmutableArray<(Budget Item, JsonPath Path)> budgets, FileDiagnostics diagnostics)
    {
        var first = new Dictionary<(LimitScope, RollingWindow, string), JsonPath>();
        foreach (var (budget, path) in budgets)
        {
            var key = (budget.Per, budget.Window, budget.Limit.Currency.Code);
            if (!first.TryAdd(key, path))
            {
                diagnostics.Report(
                    path,
                    $"duplicate budget: {first[key]} already caps the {budget.Per.Name()} {budget.Window.Name()} in {budget.Limit.Currency}; keep one");
            }
        }
    }
}
