namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>The manifest spellings of the model's enums, in the order messages list them.</summary>
internal static class ManifestNames
{
    public static readonly IReadOnlyDictionary<string, StripeMode> Modes =
        new Dictionary<string, StripeMode> { ["test"] = StripeMode.Test, ["live"] = StripeMode.Live };

    public static readonly IReadOnlyDictionary<string, LimitScope> Scopes =
        new Dictionary<string, LimitScope> { ["agent"] = LimitScope.Agent, ["role"] = LimitScope.Role };

    public static readonly IReadOnlyDictionary<string, ApprovalChannel> Channels =
        new Dictionary<string, ApprovalChannel> { ["operator"] = ApprovalChannel.Operator, ["client"] = ApprovalChannel.Client };

    public static readonly IReadOnlyDictionary<string, RollingWindow> Windows =
        Enum.GetValues<RollingWindow>().ToDictionary(w => w.Name(), w => w);

    public static string Name(this LimitScope scope) => scope == LimitScope.Agent ? "agent" : "role";
}
