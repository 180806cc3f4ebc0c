using System.Collections.Immutable;
using System.Text.Json;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Walks an optional array of objects (<c>budgets</c>, <c>rateLimits</c>), reading each item with its index kept for messages.</summary>
internal static class ListSection
{
    public static ImmutableArray<(T Item, JsonPath Path)> Read<T>(
        ManifestNode? node, FileDiagnostics diagnostics, string name, string example, Func<ManifestNode, T?> readItem)
        where T : class
    {
        if (node is not { } n)
        {
            return [];
        }

        if (n.Value.ValueKind != JsonValueKind.Array)
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be an array of objects, e.g. [{example}], not {n.Kind}");
            return [];
        }

        var items = ImmutableArray.CreateBuilder<(T, JsonPath)>();
        var index = 0;
        foreach (var element in n.Value.EnumerateArray())
        {
            var item = new ManifestNode(element, n.Path.Index(index++));
            if (readItem(item) is { } value)
            {
                items.Add((value, item.Path));
            }
        }

        return items.ToImmutable();
    }
}
