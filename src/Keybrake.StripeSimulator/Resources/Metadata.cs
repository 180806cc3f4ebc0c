using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Stripe's metadata update rules: keys merge, an empty value deletes a key, <c>metadata=</c> clears all.</summary>
internal static class Metadata
{
    public static JsonObject From(IReadOnlyDictionary<string, string>? values)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            obj[key] = value;
        }
        return obj;
    }

    public static void Apply(JsonObject target, FormParams form)
    {
        if (form.Get("metadata") == "")
        {
            target["metadata"] = new JsonObject();
        }
        var metadata = (JsonObject)target["metadata"]!;
        foreach (var (key, value) in form.Hash("metadata"))
        {
            if (value.Length == 0)
            {
                metadata.Remove(key);
            }
            else
            {
                metadata[key] = value;
            }
        }
    }
}
