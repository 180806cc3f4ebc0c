namespace Keybrake.Mcp.Manifests;

/// <summary>
/// What a Stripe id may look like, wherever one is accepted (manifests, tool arguments): Stripe's ids are opaque, their
/// length and format (prefixes included) may change, custom ids exist (legacy plan ids used as prices), and they run to
/// 255 characters. So the check is a charset and a length, never a prefix; the usual prefix is a hint in descriptions.
/// </summary>
public static class StripeIdFormat
{
    /// <summary>The JSON Schema pattern (ECMA-262: <c>$</c> is the very end of the string).</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$";

    /// <summary>Longest id Stripe may issue.</summary>
    public const int MaxLength = 255;

    /// <summary>The rule, for messages that refuse an id.</summary>
    public const string Rule = "ids are 1 to 255 letters, digits, '_', '-' or '.', starting with a letter or digit";

    /// <summary>True when <paramref name="id"/> is an acceptable id, matched to the very end (no trailing newline).</summary>
    public static bool IsValid(string? id) => id is not null && SchemaRegex.IsMatch(Pattern, id);

    /// <summary>An id as a message may quote it: control characters escaped (a trailing "\n" must show), long ones cut.</summary>
    public static string Show(string id)
    {
        var shown = System.Text.Json.JsonEncodedText.Encode(id.Length > 64 ? id[..64] : id).ToString();
        return id.Length > 64 ? shown + $"…({id.Length} characters)" : shown;
    }
}
