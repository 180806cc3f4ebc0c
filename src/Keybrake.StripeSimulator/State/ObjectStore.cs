using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.State;

/// <summary>In-memory Stripe objects kept as their JSON representation, guarded by one account-wide lock.</summary>
internal sealed class ObjectStore
{
    private readonly Dictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonObject>> _byKind = new(StringComparer.Ordinal);

    /// <summary>Every read or change of state happens under this lock so that money moves are atomic.</summary>
    public Lock Gate { get; } = new();

    public void Add(JsonObject obj)
    {
        var id = (string)obj["id"]!;
        var kind = (string)obj["object"]!;
        _byId.Add(id, obj);
        if (!_byKind.TryGetValue(kind, out var list))
        {
            list = [];
            _byKind.Add(kind, list);
        }
        list.Add(obj);
    }

    /// <summary>Forgets every object (before loading the account from its file again).</summary>
    public void Clear()
    {
        _byId.Clear();
        _byKind.Clear();
    }

    /// <summary>Every object, each kind in the order its objects were added.</summary>
    public IEnumerable<JsonObject> All() => _byKind.Values.SelectMany(list => list);

    public void Remove(JsonObject obj)
    {
        _byId.Remove((string)obj["id"]!);
        _byKind[(string)obj["object"]!].Remove(obj);
    }

    public JsonObject? FindAny(string id) => _byId.GetValueOrDefault(id);

    public JsonObject? Find(string kind, string? id) =>
        id is not null && _byId.TryGetValue(id, out var obj) && (string?)obj["object"] == kind ? obj : null;

    /// <summary>Looks an object up for a path id; Stripe answers 404 with the object's API name.</summary>
    public JsonObject Get(string kind, string id, string param = "id") =>
        Find(kind, id) ?? throw StripeApiException.NoSuchObject(kind, id, param, status: 404);

    /// <summary>Looks an object up for a body parameter; Stripe answers 400 naming the parameter.</summary>
    public JsonObject GetParam(string kind, string id, string param) =>
        Find(kind, id) ?? throw StripeApiException.NoSuchObject(kind, id, param, status: 400);

    /// <summary>Objects of one kind, newest first, as Stripe lists them.</summary>
    public IEnumerable<JsonObject> NewestFirst(string kind) =>
        _byKind.TryGetValue(kind, out var list) ? Enumerable.Reverse(list) : [];
}
