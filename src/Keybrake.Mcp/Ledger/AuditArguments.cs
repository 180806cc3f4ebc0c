using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Arguments as an audit row stores them: at most <see cref="MaxBytes"/> of JSON, so a flood of refused calls with huge
/// arguments cannot fill the disk. Longer arguments are cut (long strings shortened, then trailing properties dropped)
/// and carry the SHA-256 of the whole, which still proves what was sent. Arguments that pass validation are far smaller.
/// </summary>
public static class AuditArguments
{
    /// <summary>The most an audit row keeps of a call's arguments, in UTF-8 bytes.</summary>
    public const int MaxBytes = 4096;

    private const int StringCut = 256;

    /// <summary>The arguments to store and, when they were cut, the lowercase hex SHA-256 of the whole (canonical) text.</summary>
    public static (string Stored, string? Sha256) Bound(string canonical)
    {
        if (Encoding.UTF8.GetByteCount(canonical) <= MaxBytes)
        {
            return (canonical, null);
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        return (Cut(canonical), sha256);
    }

    /// <summary>The longest tool name kept whole; every real tool's name is far shorter.</summary>
    public const int MaxToolName = 64;

    /// <summary>
    /// A tool name as refusals and audit rows carry it: a name of a tool no server has (up to a whole message long, from a
    /// hostile client) is cut, keeping its SHA-256 in the name, so it still proves what was asked.
    /// </summary>
    public static string BoundToolName(string name) =>
        name.Length <= MaxToolName
            ? name
            : $"{name[..40]}…(sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16]}, {Encoding.UTF8.GetByteCount(name)} bytes)";

    private static string Cut(string canonical)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(canonical);
        }
        catch (System.Text.Json.JsonException)
        {
            parsed = null;
        }

        if (parsed is not JsonObject whole)
        {
            return new JsonObject { ["…"] = Shorten(canonical, MaxBytes / 2) }.ToJsonString();
        }

        // Property by property, each value shortened, while the whole stays under the cap; the rest are counted.
        var cut = new JsonObject();
        var dropped = 0;
        foreach (var (name, value) in whole)
        {
            var key = Shorten(name, 64);
            if (dropped > 0 || cut.ContainsKey(key))
            {
                dropped++;
                continue;
            }

            cut[key] = value switch
            {
                JsonValue v when v.TryGetValue(out string? text) => Shorten(text, StringCut),
                JsonObject or JsonArray => Shorten(value.ToJsonString(), StringCut),
                _ => value?.DeepClone(),
            };
            if (Encoding.UTF8.GetByteCount(cut.ToJsonString()) > MaxBytes - 64)
            {
                cut.Remove(key);
                dropped++;
            }
        }

        if (dropped > 0)
        {
            cut["…"] = $"{dropped} more argument(s) not kept";
        }

        return CanonicalJson.Of(cut);
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + $"… ({text.Length} characters)";
}
