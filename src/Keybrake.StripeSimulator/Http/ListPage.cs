using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Cursor pagination shared by every list endpoint (limit, starting_after, ending_before), and the <c>created</c> filter.</summary>
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
        var all = newestFirst.Where(o => InCreatedRange(o, form)).ToList();
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

    // created=T, or created[gt|gte|lt|lte]=T: Unix seconds.
    private static bool InCreatedRange(JsonObject obj, FormParams form)
    {
        if (obj["created"] is not JsonValue value || !value.TryGetValue(out long created))
        {
            return true;
        }

        return (form.GetLong("created") is not { } exact || created == exact)
            && (form.GetLong("created[gt]") is not { } gt || created > gt)
            && (form.GetLong("created[gte]") is not { } gte || created >= gte)
            && (form.GetLong("created[lt]") is not { } lt || created < lt)
            && (form.GetLong("created[lte]") is not { } lte || created <= lte);
    }
}
