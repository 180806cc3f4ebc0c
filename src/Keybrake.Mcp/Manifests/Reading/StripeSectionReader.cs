namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>stripe</c>: the environment variable naming the role's key, and the mode that key must be.</summary>
internal static class StripeSectionReader
{
    private const string KeyEnvExample = "\"KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS\"";

    public static StripeSettings? Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        if (node is not { } n || ObjectReader.Open(n, ManifestFields.Stripe, diagnostics, "\"stripe\"") is not { } stripe)
        {
            return null;
        }

        var keyEnvNode = stripe.Required("keyEnv", $"name the environment variable that holds the role's restricted key, e.g. {KeyEnvExample}");
        var keyEnv = ManifestValues.Matching(keyEnvNode, ManifestPatterns.KeyEnvRegex(), diagnostics, "keyEnv", KeyEnvRule(keyEnvNode));
        var mode = ManifestValues.OneOf(
            stripe.Required("mode", "\"test\" or \"live\": a key of the other mode is refused at start"),
            ManifestNames.Modes,
            diagnostics,
            "mode");
        var allowSecretKey = ManifestValues.Bool(stripe.Optional("allowSecretKey"), diagnostics, "allowSecretKey");
        return keyEnv is null || mode is null ? null : new StripeSettings(keyEnv, mode.Value, allowSecretKey ?? false);
    }

    // Pasting the key itself is the likely mistake, and the one that must never be committed: say so plainly.
    private static string KeyEnvRule(ManifestNode? node)
    {
        var text = node is { Value.ValueKind: System.Text.Json.JsonValueKind.String } n ? n.Value.GetString() ?? "" : "";
        return text.StartsWith("sk_", StringComparison.Ordinal) || text.StartsWith("rk_", StringComparison.Ordinal)
            ? $"this looks like a Stripe key, and keys never go in a manifest: revoke it, put the new key in an environment variable and name that variable here, e.g. {KeyEnvExample}"
            : $"name an environment variable with upper-case letters, digits and underscores, e.g. {KeyEnvExample}";
    }
}
