namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>Every rule the loader runs; all of them always run so one load reports every problem.</summary>
internal static class ManifestRules
{
    public static readonly IRoleManifestRule[] PerRole = [new ApprovalThresholdRule(), new BudgetCurrencyRule()];

    public static readonly IManifestSetRule[] AcrossRoles = [new UniqueRoleRule(), new AgentInOneRoleRule()];
}
