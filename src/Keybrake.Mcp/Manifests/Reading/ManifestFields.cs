namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>The field names each manifest object accepts (DESIGN.md 3.2); anything else is an error.</summary>
internal static class ManifestFields
{
    public static readonly string[] Root =
        ["$schema", "role", "description", "stripe", "agents", "customers", "redactPersonalData", "readsWithoutLedger", "budgets", "rateLimits", "approvals", "notify", "tools"];

    public static readonly string[] Stripe = ["keyEnv", "mode", "allowSecretKey"];

    public static readonly string[] Budget = ["per", "window", "limit", "shadow"];

    public static readonly string[] RateLimit = ["per", "calls", "window", "shadow"];

    public static readonly string[] Approvals = ["via", "expiresAfter"];

    public static readonly string[] Notify = ["url", "events", "secretEnv"];

    /// <summary>Allowed on every tool entry besides the tool's own constraints.</summary>
    public const string Shadow = "shadow";

    /// <summary>The fields a tool entry may carry: its catalog constraints plus <c>shadow</c>.</summary>
    public static string[] Tool(string tool) => [.. ToolCatalog.AllowedFields[tool], Shadow];
}
