namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>A JSONPath to a manifest value, e.g. <c>$.tools.issue_refund.maxAmount</c>, as printed in errors.</summary>
internal readonly record struct JsonPath(string Text)
{
    /// <summary>The document root, <c>$</c>.</summary>
    public static readonly JsonPath Root = new("$");

    public JsonPath Property(string name) =>
        new(IsPlain(name) ? $"{Text}.{name}" : $"{Text}['{name.Replace("\\", "\\\\").Replace("'", "\\'")}']");

    public JsonPath Index(int index) => new($"{Text}[{index}]");

    public override string ToString() => Text;

    // Bracket notation only for names a reader could not copy back into a dotted path.
    private static bool IsPlain(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] is '_' or '$')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-');
}
