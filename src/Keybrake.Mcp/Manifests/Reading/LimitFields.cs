namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>The <c>per</c> and <c>window</c> fields budgets and rate limits share, with the same messages.</summary>
internal static class LimitFields
{
    public static LimitScope? Per(ObjectReader limit, FileDiagnostics diagnostics) =>
        ManifestValues.OneOf(
            limit.Required("per", "\"agent\" (each agent counted alone) or \"role\" (all the role's agents together)"),
            ManifestNames.Scopes,
            diagnostics,
            "per");

    public static RollingWindow? Window(ObjectReader limit, FileDiagnostics diagnostics) =>
        ManifestValues.OneOf(
            limit.Required("window", $"the rolling window, one of {string.Join(", ", ManifestNames.Windows.Keys)}"),
            ManifestNames.Windows,
            diagnostics,
            "window");
}
