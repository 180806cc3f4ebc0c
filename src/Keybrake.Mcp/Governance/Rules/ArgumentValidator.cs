using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Rules;

/// <summary>
/// Validates arguments against the subset of JSON Schema our tools generate (type, enum, minimum, maximum, pattern,
/// maxLength, required, additionalProperties: false), plus the tool's groups of which exactly one argument must be given
/// (<see cref="IToolOperation.ExactlyOneOf"/>). The MCP SDK validates nothing, so
/// this is the only thing standing between the schema the model saw and the handler.
/// </summary>
public static class ArgumentValidator
{
    /// <summary>The keywords of an input schema's root this validator enforces (<c>additionalProperties</c> only as false).</summary>
    public static readonly IReadOnlySet<string> RootKeywords = new HashSet<string>(StringComparer.Ordinal) { "type", "properties", "required", "additionalProperties" };

    /// <summary>The keywords of an argument's schema this validator enforces.</summary>
    public static readonly IReadOnlySet<string> ArgumentKeywords = new HashSet<string>(StringComparer.Ordinal) { "type", "enum", "minimum", "maximum", "maxLength", "pattern" };

    /// <summary>The argument types it checks.</summary>
    public static readonly IReadOnlySet<string> ArgumentTypes = new HashSet<string>(StringComparer.Ordinal) { "string", "integer", "boolean" };

    /// <summary>Keywords that describe and constrain nothing, so nothing is there to enforce.</summary>
    public static readonly IReadOnlySet<string> Annotations = new HashSet<string>(StringComparer.Ordinal) { "description", "title" };

    /// <summary>Every problem with the arguments, each naming the argument; empty when they are valid.</summary>
    public static IReadOnlyList<string> Validate(JsonObject schema, JsonObject arguments, IReadOnlyList<string[]>? exactlyOneOf = null)
    {
        var errors = new List<string>();
        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var (name, value) in arguments)
        {
            if (properties[name] is not JsonObject property)
            {
                errors.Add($"'{Cut(name)}' is not an argument of this tool (allowed: {string.Join(", ", properties.Select(p => p.Key))})");
                continue;
            }

            ValidateValue(name, property, value, errors);
        }

        foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
        {
            if (!arguments.ContainsKey(required))
            {
                errors.Add($"'{required}' is required");
            }
        }

        foreach (var group in exactlyOneOf ?? [])
        {
            if (group.Count(arguments.ContainsKey) != 1)
            {
                errors.Add($"pass exactly one of {string.Join(" or ", group.Select(n => $"'{n}'"))}");
            }
        }

        return errors;
    }

    /// <summary>The refusal message for <paramref name="problems"/>: the first few, so a flood of bad arguments stays a short message.</summary>
    public static string Summarize(string tool, IReadOnlyList<string> problems)
    {
        const int Shown = 5;
        var more = problems.Count > Shown ? $"; and {problems.Count - Shown} more problems" : "";
        return $"{tool}: {string.Join("; ", problems.Take(Shown))}{more}";
    }

    private static void ValidateValue(string name, JsonObject property, JsonNode? value, List<string> errors)
    {
        var type = property["type"]?.GetValue<string>();
        if (value is null)
        {
            errors.Add($"'{name}' must not be null");
            return;
        }

        var kind = value.GetValueKind();
        switch (type)
        {
            case "string" when kind != JsonValueKind.String:
                errors.Add($"'{name}' must be a string");
                return;
            case "integer" when kind != JsonValueKind.Number || !JsonNumbers.TryGetInt64(value, out _):
                errors.Add($"'{name}' must be an integer (minor units, e.g. 1050 for 10.50 USD)");
                return;
            case "boolean" when kind is not (JsonValueKind.True or JsonValueKind.False):
                errors.Add($"'{name}' must be true or false");
                return;
        }

        if (property["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"'{name}' must be one of {string.Join(", ", allowed.Select(a => a!.ToJsonString()))}; got {value.ToJsonString()}");
        }

        if (kind == JsonValueKind.Number && JsonNumbers.TryGetInt64(value, out var number))
        {
            if (JsonNumbers.TryGetInt64(property["minimum"], out var min) && number < min)
            {
                errors.Add($"'{name}' must be at least {min}; got {number}");
            }

            if (JsonNumbers.TryGetInt64(property["maximum"], out var max) && number > max)
            {
                errors.Add($"'{name}' must be at most {max}; got {number}");
            }
        }

        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (JsonNumbers.TryGetInt64(property["maxLength"], out var maxLength) && text.Length > maxLength)
            {
                errors.Add($"'{name}' must be at most {maxLength} characters; got {text.Length}");
            }

            if (property["pattern"] is { } pattern && !SchemaRegex.IsMatch(pattern.GetValue<string>(), text))
            {
                errors.Add($"'{name}' must match {pattern.GetValue<string>()}; got {Quote(text)}");
            }
        }
    }

    /// <summary>A name as a message quotes it: escaped and cut (a caller chooses argument names too).</summary>
    private static string Cut(string name) => JsonEncodedText.Encode(name.Length <= 40 ? name : name[..40]) + (name.Length <= 40 ? "" : "…");

    /// <summary>A value as a message quotes it: escaped (a trailing "\n" must show), and cut, so a refusal stays small.</summary>
    private static string Quote(string text) =>
        $"\"{JsonEncodedText.Encode(text.Length <= 40 ? text : text[..40])}\"" + (text.Length <= 40 ? "" : $"… ({text.Length} characters)");
}
