using System.Text.Json;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>A JSON value together with where it sits in its manifest.</summary>
internal readonly record struct ManifestNode(JsonElement Value, JsonPath Path)
{
    /// <summary>How the value reads in a message: "a string", "a number", "null", ...</summary>
    public string Kind => Value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
