using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Manifests;

/// <summary>
/// Starter manifests for <c>init</c>: the shipped <c>tool-manifests/*.json</c>, embedded at build time so the examples
/// and the templates cannot drift apart.
/// </summary>
public static partial class ManifestTemplates
{
    /// <summary>The seed's five roles, in the order the README presents them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["support-refunds", "billing-collections", "subscriptions", "payment-capture", "analytics-readonly"];

    /// <summary>The editor schema the templates point at with <c>$schema</c>.</summary>
    public static string Schema => Resource(ManifestLoader.SchemaFileName);

    /// <summary>The shipped manifest of <paramref name="kind"/> as written, comments included.</summary>
    public static string Original(string kind) => Resource($"{kind}.json");

    /// <summary>The variable a role's key is read from: <c>KEYBRAKE_STRIPE_KEY_</c> and the role in upper snake case.</summary>
    public static string KeyEnvOf(string role) => "KEYBRAKE_STRIPE_KEY_" + role.ToUpperInvariant().Replace('-', '_');

    /// <summary>The template with the role, agent, key variable and mode replaced; the caller validates the result.</summary>
    public static string Render(string kind, string role, string? agent, StripeMode? mode)
    {
        var text = Original(kind);
        var originalAgent = AgentsRegex().Match(text).Groups["agent"].Value;
        // Text edits rather than a JSON round trip: the comments explaining each limit are the point of a starter file.
        text = RoleRegex().Replace(text, m => $"{m.Groups["head"].Value}\"{role}\"", 1);
        text = KeyEnvRegex().Replace(text, m => $"{m.Groups["head"].Value}\"{KeyEnvOf(role)}\"", 1);
        if (mode is { } chosen)
        {
            text = ModeRegex().Replace(text, m => $"{m.Groups["head"].Value}\"{(chosen == StripeMode.Live ? "live" : "test")}\"", 1);
        }

        if (agent is not null && originalAgent.Length > 0)
        {
            // Also in the comments, which name the agent they describe.
            text = text.Replace(originalAgent, agent, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The agent a template names, used when <c>init</c> is given none.</summary>
    public static string DefaultAgent(string kind) => AgentsRegex().Match(Original(kind)).Groups["agent"].Value;

    private static string Resource(string name)
    {
        using var stream = typeof(ManifestTemplates).Assembly.GetManifestResourceStream($"Keybrake.Mcp.Templates.{name}")
            ?? throw new InvalidOperationException($"this build carries no template {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"(?<head>""role""\s*:\s*)""[^""]*""")]
    private static partial Regex RoleRegex();

    [GeneratedRegex(@"(?<head>""keyEnv""\s*:\s*)""[^""]*""")]
    private static partial Regex KeyEnvRegex();

    [GeneratedRegex(@"(?<head>""mode""\s*:\s*)""[^""]*""")]
    private static partial Regex ModeRegex();

    [GeneratedRegex(@"""agents""\s*:\s*\[\s*""(?<agent>[^""]+)""")]
    private static partial Regex AgentsRegex();
}
