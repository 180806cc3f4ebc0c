using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Stripe.Tools;

/// <summary>Building blocks of the generated JSON Schemas, so every tool spells ids, amounts and request ids the same way.</summary>
public static class ToolSchemas
{
    /// <summary>
    /// A Stripe id. Ids are opaque (<see cref="StripeIdFormat"/>): the usual prefix is a hint in the description, never
    /// part of the pattern.
    /// </summary>
    public static JsonObject Id(string description) => new()
    {
        ["type"] = "string",
        ["pattern"] = StripeIdFormat.Pattern,
        ["maxLength"] = StripeIdFormat.MaxLength,
        ["description"] = description,
    };

    /// <summary>An amount in minor units, capped by the grant's <c>maxAmount</c> when there is one.</summary>
    public static JsonObject Amount(string description, MoneyAmount? max)
    {
        var schema = new JsonObject { ["type"] = "integer", ["minimum"] = 1 };
        if (max is { } cap)
        {
            schema["maximum"] = cap.Minor;
            description += $" At most {cap.Minor} ({cap}) for this role.";
        }

        schema["description"] = description;
        return schema;
    }

    public static JsonObject Enum(IEnumerable<string> values, string description) => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray()),
        ["description"] = description,
    };

    public static JsonObject String(string description, int maxLength) => new()
    {
        ["type"] = "string",
        ["maxLength"] = maxLength,
        ["description"] = description,
    };

    public static JsonObject Integer(string description, long minimum, long? maximum = null)
    {
        var schema = new JsonObject { ["type"] = "integer", ["minimum"] = minimum, ["description"] = description };
        if (maximum is { } max)
        {
            schema["maximum"] = max;
        }

        return schema;
    }

    /// <summary>The optional <c>request_id</c> of every state-changing tool (DESIGN.md 3.3).</summary>
    public static JsonObject RequestId() => String(
        "Optional id of this logical request (up to 64 characters). A retry with the same arguments and request_id " +
        "returns the first outcome instead of acting twice; pass a new one to make a second, identical change on purpose.", 64);

    /// <summary>An object schema that rejects unknown properties.</summary>
    public static JsonObject Object(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required.Select(r => (JsonNode)r).ToArray());
        }

        return schema;
    }

    /// <summary>Output schema fields every state-changing result carries.</summary>
    public static JsonObject WithCallFields(JsonObject properties)
    {
        properties["call_id"] = new JsonObject { ["type"] = "string", ["description"] = "Keybrake audit id of this call" };
        properties["replayed"] = new JsonObject { ["type"] = "boolean", ["description"] = "true when this is the stored outcome of an earlier identical request" };
        return properties;
    }

    public static JsonObject Prop(string type, string? description = null)
    {
        var schema = new JsonObject { ["type"] = type };
        if (description is not null)
        {
            schema["description"] = description;
        }

        return schema;
    }

    /// <summary>A property that may be null (e.g. a charge without a customer).</summary>
    /// <remarks>
    /// As <c>anyOf</c> of single types, not a type array (<c>["string","null"]</c>): MCP Inspector flags type arrays as not
    /// portable, and some clients' schema converters do not take them.
    /// </remarks>
    public static JsonObject Nullable(string type, string? description = null) => Nullable(new JsonObject { ["type"] = type }, description);

    /// <summary>A schema that also allows null, as <c>anyOf</c> with <c>{"type": "null"}</c>.</summary>
    public static JsonObject Nullable(JsonObject schema, string? description = null)
    {
        var nullable = new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["type"] = "null" }) };
        if (description is not null)
        {
            nullable["description"] = description;
        }

        return nullable;
    }
}
