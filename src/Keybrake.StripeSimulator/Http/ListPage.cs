using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Cursor pagination shared by every list endpoint (limit, starting_after, ending_before).</summary>
internal static class ListPage
{
    public static JsonObject Build(IEnumerable<JsonObject> newestFirst, FormParams form, string url, ObjectStore store)
    {
        var limit = form.GetLong("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StripeApiException.Invalid(
                limit < 1 ? "This value must be greater than or equal to 1." : "This value must be less than or equal to 100.",
                "parameter_invalid_integer", "limit");
        }
        var all = newestFirst.ToList();
        IEnumerable<JsonObject> window = all;
        if (form.Get("starting_after") is { Length: > 0 } after)
        {
            var index = all.FindIndex(o => (string?)o["id"] == after);
            if (index < 0 && store.FindAny(after) is null)
            {
                throw StripeApiException.NoSuchObject("object", after, "starting_after", 400);
            }
            window = all.Skip(index + 1);
        }
        else if (form.Get("ending_before") is { Length: > 0 } before)
        {
            var index = all.FindIndex(o => (string?)o["id"] == before);
            var earlier = all.Take(Math.Max(index, 0)).ToList();
            window = earlier.Skip(Math.Max(0, earlier.Count - (int)limit));
        }
        var page = window.Take((int)limit + 1).ToList();
        var data = new JsonArray();
        foreach (var obj in page.Take((int)limit))
        {
            data.Add(obj.DeepClone());
        }
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["has_more"] = page.Count > limit,
            ["url"] = url,
        };
    }
}
