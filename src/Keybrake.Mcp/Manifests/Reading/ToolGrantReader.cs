using System.Collections.Immutable;
using System.Text.Json;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads one tool entry: only the constraints that tool accepts (<see cref="ToolCatalog.AllowedFields"/>), each checked for range.</summary>
internal static class ToolGrantReader
{
    public static ToolGrant Read(string tool, ManifestNode node, FileDiagnostics diagnostics)
    {
        if (node.Value.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Report(node.Path, $"tool \"{tool}\" must be an object, not {node.Kind}: write {{}} to allow it with no constraints");
            return new ToolGrant();
        }

        var entry = ObjectReader.Open(node, ManifestFields.Tool(tool), diagnostics, $"tool \"{tool}\"")!;
        return new ToolGrant
        {
            MaxAmount = PositiveMoney(entry.Optional("maxAmount"), diagnostics),
            ApprovalAbove = ManifestValues.Money(entry.Optional("approvalAbove"), diagnostics, "approvalAbove"),
            Reasons = Subset(entry.Optional("reasons"), ToolCatalog.RefundReasons, diagnostics, "reasons", "refund reason"),
            ProrationBehaviors = Subset(
                entry.Optional("prorationBehaviors"), ToolCatalog.ProrationBehaviors, diagnostics, "prorationBehaviors", "proration behavior"),
            Prices = Prices(entry.Optional("prices"), diagnostics),
            MaxPageSize = ManifestValues.Integer(entry.Optional("maxPageSize"), 1, 100, diagnostics, "maxPageSize"),
            MaxDays = ManifestValues.Integer(entry.Optional("maxDays"), 1, 730, diagnostics, "maxDays"),
            MaxQuantity = MaxQuantity(tool, entry, node, diagnostics),
            MaxRecurringIncrease = ManifestValues.Money(entry.Optional("maxRecurringIncrease"), diagnostics, "maxRecurringIncrease"),
            Shadow = ManifestValues.Bool(entry.Optional(ManifestFields.Shadow), diagnostics, "shadow") ?? false,
        };
    }

    // update_subscription_quantity's one job is its quantity argument, which exists only up to maxQuantity.
    private static int? MaxQuantity(string tool, ObjectReader entry, ManifestNode node, FileDiagnostics diagnostics)
    {
        var field = entry.Optional("maxQuantity");
        if (field is null && tool == "update_subscription_quantity")
        {
            diagnostics.Report(node.Path, "tool \"update_subscription_quantity\" needs \"maxQuantity\": its quantity argument goes up to it, e.g. { \"maxQuantity\": 50 }");
            return null;
        }

        return ManifestValues.Integer(field, 1, int.MaxValue, diagnostics, "maxQuantity");
    }

    // A zero cap would publish a tool that can never succeed; removing the tool says that honestly.
    private static MoneyAmount? PositiveMoney(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var amount = ManifestValues.Money(node, diagnostics, "maxAmount");
        if (amount is { Minor: 0 })
        {
            diagnostics.Report(node!.Value.Path, $"\"maxAmount\" is {amount}: it must be above zero (remove the tool to forbid it)");
            return null;
        }

        return amount;
    }

    private static ImmutableArray<string>? Subset(
        ManifestNode? node, string[] allowed, FileDiagnostics diagnostics, string name, string what) =>
        ManifestValues.StringSet(node, diagnostics, name, $"[\"{allowed[0]}\"]", (item, value) =>
        {
            if (allowed.Contains(value, StringComparer.Ordinal))
            {
                return true;
            }

            diagnostics.Report(
                item.Path,
                $"\"{value}\" is not a Stripe {what}{Suggestions.DidYouMean(value, allowed)}: use any of {string.Join(", ", allowed)}");
            return false;
        })?.Select(v => v.Text).ToImmutableArray();

    private static ImmutableArray<string>? Prices(ManifestNode? node, FileDiagnostics diagnostics) =>
        ManifestValues.StringSet(node, diagnostics, "prices", "[\"price_team_monthly\"]", (item, id) =>
        {
            if (ManifestPatterns.PriceRegex().IsMatch(id))
            {
                return true;
            }

            diagnostics.Report(item.Path, $"\"{StripeIdFormat.Show(id)}\" is not a Stripe price id: {StripeIdFormat.Rule}, e.g. \"price_1MoBy5LkdIwHu7ixZhnattbh\" or a legacy plan id like \"basic-monthly\"");
            return false;
        })?.Select(v => v.Text).ToImmutableArray();
}
