using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Governance;

/// <summary>Reads integers from JSON nodes whether they were parsed (JsonElement) or built in code (int or long).</summary>
public static class JsonNumbers
{
    public static bool TryGetInt64(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue json)
        {
            return false;
        }

        if (json.TryGetValue(out long l))
        {
            value = l;
            return true;
        }

        if (json.TryGetValue(out int i))
        {
            value = i;
            return true;
        }

        return json.TryGetValue(out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }
}
