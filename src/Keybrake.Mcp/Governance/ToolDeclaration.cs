namespace Keybrake.Mcp.Governance;

/// <summary>
/// What a tool is, declared once by the tool itself: its contract name and title, what it does to the account, the
/// manifest fields that constrain it, and the restricted-key permissions it needs. The manifest catalog, the editor
/// schema (<c>manifest.schema.json</c>) and <c>keys plan</c> are derived from these.
/// </summary>
/// <param name="ManifestDescription">What the manifest schema says of the tool's entry, for people editing a manifest.</param>
public sealed record ToolDeclaration(string Name, string Title, ToolEffect Effect, string ManifestDescription)
{
    /// <summary>The constraint fields a manifest's entry for this tool may carry (besides <c>shadow</c>, which every entry may).</summary>
    public IReadOnlyList<string> ManifestFields { get; init; } = [];

    /// <summary>The fields an entry must carry (a tool whose one argument exists only up to its cap).</summary>
    public IReadOnlyList<string> RequiredManifestFields { get; init; } = [];

    /// <summary>
    /// The restricted-key permissions the tool needs, in the Stripe CLI's <c>resource:access</c> form, including the reads
    /// it makes to resolve scope and amounts (a refund reads the payment intent and its charge first).
    /// </summary>
    public IReadOnlyList<string> StripePermissions { get; init; } = [];

    /// <summary>More permissions needed when the role is scoped to customers (a scoped list reads the records it names).</summary>
    public IReadOnlyList<string> ScopedStripePermissions { get; init; } = [];
}
