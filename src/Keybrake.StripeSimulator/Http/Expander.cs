using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Applies <c>expand[]</c> paths by replacing id strings with the objects they name.</summary>
internal static class Expander
{
    public static void Apply(JsonNode body, IReadOnlyList<string> paths, ObjectStore store)
    {
        foreach (var path in paths)
        {
            Expand(body, path.Split('.'), 0, store);
        }
    }

    private static void Expand(JsonNode? node, string[] segments, int at, ObjectStore store)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                Expand(item, segments, at, store);
            }
            return;
        }
        if (node is not JsonObject obj || !obj.TryGetPropertyValue(segments[at], out var child))
        {
            return;
        }
        if (at < segments.Length - 1)
        {
            Expand(child, segments, at + 1, store);
        }
        else if (child is JsonValue value && value.TryGetValue<string>(out var id) && store.FindAny(id) is { } target)
        {
            obj[segments[at]] = target.DeepClone();
        }
    }
}
