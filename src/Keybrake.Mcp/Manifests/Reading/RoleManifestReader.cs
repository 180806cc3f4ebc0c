using System.Text.Json;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads one manifest document section by section; every section runs even after another fails, so all errors surface at once.</summary>
internal static class RoleManifestReader
{
    public static ManifestDraft Read(JsonElement root, FileDiagnostics diagnostics)
    {
        var document = ObjectReader.Open(new ManifestNode(root, JsonPath.Root), ManifestFields.Root, diagnostics, "a role manifest");
        if (document is null)
        {
            var empty = new RoleManifest { Role = "", Stripe = Placeholder, SourceFile = diagnostics.File };
            return new ManifestDraft(empty, null, [], false, diagnostics);
        }

        _ = ManifestValues.String(document.Optional("$schema"), diagnostics, "$schema");
        var role = RoleNameReader.Read(
            document.Required("role", $"add \"role\": \"{Path.GetFileNameWithoutExtension(diagnostics.File)}\" (the file name without .json)"),
            diagnostics);
        var description = ManifestValues.String(document.Optional("description"), diagnostics, "description");
        var stripe = StripeSectionReader.Read(
            document.Required("stripe", "add \"stripe\": { \"keyEnv\": \"KEYBRAKE_STRIPE_KEY_<ROLE>\", \"mode\": \"test\" }"), diagnostics);
        var agents = AgentsSectionReader.Read(
            document.Required("agents", "add \"agents\": [\"<agent-name>\"], the agents that act in this role"), diagnostics);
        var customers = CustomersSectionReader.Read(document.Optional("customers"), diagnostics);
        var redact = ManifestValues.Bool(document.Optional("redactPersonalData"), diagnostics, "redactPersonalData");
        var readsWithoutLedger = ManifestValues.Bool(document.Optional("readsWithoutLedger"), diagnostics, "readsWithoutLedger");
        var (budgets, budgetsComplete) = BudgetsSectionReader.Read(document.Optional("budgets"), diagnostics);
        var rateLimits = RateLimitsSectionReader.Read(document.Optional("rateLimits"), diagnostics);
        var approvals = ApprovalsSectionReader.Read(document.Optional("approvals"), diagnostics);
        var notify = NotifySectionReader.Read(document.Optional("notify"), diagnostics);
        var tools = ToolsSectionReader.Read(
            document.Required("tools", "add \"tools\": { \"<tool>\": { ... } }, the tools this role may call"), diagnostics);

        var manifest = new RoleManifest
        {
            Role = role ?? "",
            Description = description ?? "",
            Stripe = stripe ?? Placeholder,
            Agents = [.. agents.Select(a => a.Text)],
            Customers = customers,
            RedactPersonalData = redact ?? false,
            ReadsWithoutLedger = readsWithoutLedger ?? false,
            Budgets = budgets,
            RateLimits = rateLimits,
            Tools = tools,
            Approvals = approvals,
            Notify = notify,
            SourceFile = diagnostics.File,
        };
        return new ManifestDraft(manifest, role, agents, budgetsComplete, diagnostics);
    }

    // Stands in for a missing or broken "stripe" block so later rules can run; such a draft always carries an error.
    private static readonly StripeSettings Placeholder = new("", StripeMode.Test);
}
