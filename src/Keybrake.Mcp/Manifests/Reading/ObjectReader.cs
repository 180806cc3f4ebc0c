using System.Text.Json;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>One JSON object's known fields. Opening it reports unknown and repeated fields, so readers only ask for known ones.</summary>
internal sealed class ObjectReader
{
    private readonly Dictionary<string, ManifestNode> fields;
    private readonly JsonPath path;
    private readonly FileDiagnostics diagnostics;

    private ObjectReader(Dictionary<string, ManifestNode> fields, JsonPath path, FileDiagnostics diagnostics)
    {
        this.fields = fields;
        this.path = path;
        this.diagnostics = diagnostics;
    }

    /// <summary>Known fields in document order.</summary>
    public IEnumerable<KeyValuePair<string, ManifestNode>> Fields => fields;

    /// <summary>Opens <paramref name="node"/> as an object, or reports why it is not one and returns null.</summary>
    /// <param name="what">The object in a message, e.g. <c>"stripe"</c>.</param>
    /// <param name="kind">What a key names, for "unknown field" or "unknown tool".</param>
    public static ObjectReader? Open(ManifestNode node, IReadOnlyList<string> allowed, FileDiagnostics diagnostics, string what, string kind = "field")
    {
        if (node.Value.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Report(node.Path, $"{what} must be an object {{ ... }}, not {node.Kind}");
            return null;
        }

        var known = new Dictionary<string, ManifestNode>(StringComparer.Ordinal);
        foreach (var property in node.Value.EnumerateObject())
        {
            var propertyPath = node.Path.Property(property.Name);
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                var listing = allowed.Count == 0 ? "none" : string.Join(", ", allowed);
                diagnostics.Report(
                    propertyPath,
                    $"unknown {kind} \"{property.Name}\"{Suggestions.DidYouMean(property.Name, allowed)}: allowed in {what}: {listing}");
                continue;
            }

            // JSON parsers disagree on which duplicate wins; a manifest must say one thing.
            if (!known.TryAdd(property.Name, new ManifestNode(property.Value, propertyPath)))
            {
                diagnostics.Report(propertyPath, $"{kind} \"{property.Name}\" appears twice in {what}: keep one");
            }
        }

        return new ObjectReader(known, node.Path, diagnostics);
    }

    public ManifestNode? Optional(string name) => fields.TryGetValue(name, out var node) ? node : null;

    /// <summary>The field, or null after reporting it missing with <paramref name="hint"/> on how to add it.</summary>
    public ManifestNode? Required(string name, string hint)
    {
        if (fields.TryGetValue(name, out var node))
        {
            return node;
        }

        diagnostics.Report(path.Property(name), $"required field \"{name}\" is missing: {hint}");
        return null;
    }
}
