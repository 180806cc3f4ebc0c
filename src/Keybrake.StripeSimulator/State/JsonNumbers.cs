using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.State;

/// <summary>Reads integers from JSON nodes whatever CLR type built them (int literal, long, or parsed JSON).</summary>
internal static class JsonNumbers
{
    public static long Long(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw new InvalidOperationException($"Expected an integer, got {node?.ToJsonString() ?? "null"}."),
    };

    /// <summary>A deep copy whose values are plain parsed JSON, so callers can cast numbers freely.</summary>
    public static JsonObject Detached(JsonObject obj) => JsonNode.Parse(obj.ToJsonString())!.AsObject();
}
