using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Keybrake.Mcp.Manifests;

/// <summary>
/// JSON Schema <c>pattern</c>s (ECMA-262) evaluated with .NET's engine. They differ where it matters here: ECMA's
/// <c>$</c> is the end of the string, .NET's also matches before a final <c>"\n"</c>; each unescaped <c>$</c> outside a
/// character class becomes <c>\z</c>, so a published pattern and its enforcement agree to the last character.
/// </summary>
public static class SchemaRegex
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    /// <summary>The compiled form of a schema pattern, cached (the tools' schemas use a handful).</summary>
    public static Regex For(string pattern) =>
        Cache.GetOrAdd(pattern, static p => new Regex(ToDotNet(p), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)));

    /// <summary>JSON Schema semantics: an unanchored search, with <c>$</c> only at the very end.</summary>
    public static bool IsMatch(string pattern, string text) => For(pattern).IsMatch(text);

    public static string ToDotNet(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
            }
            else if (c == ']')
            {
                inClass = false;
            }

            result.Append(c == '$' && !inClass ? @"\z" : c.ToString());
        }

        return result.ToString();
    }
}
