using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads scalar manifest values, reporting a wrong type or format and returning null instead of throwing.</summary>
internal static class ManifestValues
{
    public static string? String(ManifestNode? node, FileDiagnostics diagnostics, string name)
    {
        if (node is not { } n)
        {
            return null;
        }

        if (n.Value.ValueKind != JsonValueKind.String)
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be a string, not {n.Kind}");
            return null;
        }

        return n.Value.GetString();
    }

    /// <summary>A string that must match <paramref name="pattern"/>; <paramref name="rule"/> tells the author what is expected.</summary>
    public static string? Matching(ManifestNode? node, Regex pattern, FileDiagnostics diagnostics, string name, string rule)
    {
        var text = String(node, diagnostics, name);
        if (text is null || pattern.IsMatch(text))
        {
            return text;
        }

        diagnostics.Report(node!.Value.Path, $"\"{text}\" is not a valid {name}: {rule}");
        return null;
    }

    public static bool? Bool(ManifestNode? node, FileDiagnostics diagnostics, string name)
    {
        if (node is not { } n)
        {
            return null;
        }

        if (n.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return n.Value.GetBoolean();
        }

        diagnostics.Report(n.Path, $"\"{name}\" must be true or false, not {n.Kind}");
        return null;
    }

    public static int? Integer(ManifestNode? node, int min, int max, FileDiagnostics diagnostics, string name)
    {
        if (node is not { } n)
        {
            return null;
        }

        var range = max == int.MaxValue ? $"at least {min}" : $"from {min} to {max}";
        if (n.Value.ValueKind != JsonValueKind.Number || !n.Value.TryGetInt32(out var value))
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be a whole number {(max == int.MaxValue ? "of " : "")}{range}, not {Show(n)}");
            return null;
        }

        if (value < min || value > max)
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be {range}, not {value}");
            return null;
        }

        return value;
    }

    public static MoneyAmount? Money(ManifestNode? node, FileDiagnostics diagnostics, string name)
    {
        const string Fix = "write \"<amount> <currency>\" exact to the currency's decimals, e.g. \"500.00 USD\", \"500 JPY\", \"5.120 KWD\"";
        if (node is not { } n)
        {
            return null;
        }

        if (n.Value.ValueKind != JsonValueKind.String)
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be a money string, not {n.Kind}: {Fix}");
            return null;
        }

        var text = n.Value.GetString() ?? "";
        if (MoneyAmount.TryParse(text, out var amount, out var error))
        {
            return amount;
        }

        // The parser's own wording already covers a missing or extra part; only add the detail when it is new.
        var hasTwoParts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 2;
        var detail = hasTwoParts ? $" ({error})" : "";
        diagnostics.Report(n.Path, $"\"{text}\" is not money{detail}: {Fix}");
        return null;
    }

    /// <summary>One of a fixed set of spellings, e.g. <c>per</c>: <c>agent</c> | <c>role</c>.</summary>
    public static T? OneOf<T>(ManifestNode? node, IReadOnlyDictionary<string, T> names, FileDiagnostics diagnostics, string name)
        where T : struct
    {
        var text = String(node, diagnostics, name);
        if (text is null)
        {
            return null;
        }

        if (names.TryGetValue(text, out var value))
        {
            return value;
        }

        diagnostics.Report(
            node!.Value.Path,
            $"\"{text}\" is not a valid {name}{Suggestions.DidYouMean(text, names.Keys)}: use one of {string.Join(", ", names.Keys)}");
        return null;
    }

    /// <summary>
    /// A non-empty array of unique strings, each accepted by <paramref name="isValid"/> (which reports its own errors).
    /// Returns the valid items with their paths, or null when the value is not an array.
    /// </summary>
    public static ImmutableArray<(string Text, JsonPath Path)>? StringSet(
        ManifestNode? node,
        FileDiagnostics diagnostics,
        string name,
        string example,
        Func<ManifestNode, string, bool> isValid,
        string whenEmpty = "")
    {
        if (node is not { } n)
        {
            return null;
        }

        if (n.Value.ValueKind != JsonValueKind.Array)
        {
            diagnostics.Report(n.Path, $"\"{name}\" must be an array, e.g. {example}, not {n.Kind}");
            return null;
        }

        if (n.Value.GetArrayLength() == 0)
        {
            diagnostics.Report(n.Path, $"\"{name}\" is empty: list at least one, e.g. {example}{whenEmpty}");
            return [];
        }

        var items = ImmutableArray.CreateBuilder<(string Text, JsonPath Path)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in n.Value.EnumerateArray())
        {
            var item = new ManifestNode(element, n.Path.Index(index));
            var text = String(item, diagnostics, $"{name}[{index}]");
            if (text is not null && seen.TryGetValue(text, out var first))
            {
                diagnostics.Report(item.Path, $"\"{text}\" is listed twice in \"{name}\" (first at {n.Path.Index(first)}): remove one");
            }
            else if (text is not null)
            {
                seen[text] = index;
                if (isValid(item, text))
                {
                    items.Add((text, item.Path));
                }
            }

            index++;
        }

        return items.ToImmutable();
    }

    private static string Show(ManifestNode node) =>
        node.Value.ValueKind == JsonValueKind.Number ? node.Value.GetRawText() : node.Kind;
}
