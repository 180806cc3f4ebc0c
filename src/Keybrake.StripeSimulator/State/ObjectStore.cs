using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;

namespace Keybrake.StripeSimulator.State;

/// <summary>In-memory Stripe objects kept as their JSON representation, guarded by one account-wide lock.</summary>
internal sealed class ObjectStore
{
    private readonly Dictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonObject>> _byKind = new(StringComparer.Ordinal);

    // The objects handed out (or added) since the last TakeChanges, in that order: the only ones a transaction can have
    // changed, since objects are changed in place and only reached through here. Saving a file-backed account compares
    // just these with what its file holds: comparing every object made each request cost as much as the whole account.
    private readonly List<JsonObject> _touched = [];
    private readonly HashSet<JsonObject> _touchedSet = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);

    /// <summary>Every read or change of state happens under this lock so that money moves are atomic.</summary>
    public Lock Gate { get; } = new();

    public void Add(JsonObject obj)
    {
        var id = (string)obj["id"]!;
        var kind = (string)obj["object"]!;
        _byId.Add(id, obj);
        _removed.Remove(id);
        Touch(obj);
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
        TakeChanges();
    }

    /// <summary>What may have changed since the last call: objects handed out or added (in that order), and ids removed.</summary>
    public (List<JsonObject> Touched, List<string> Removed) TakeChanges()
    {
        var changes = (_touched.ToList(), _removed.ToList());
        _touched.Clear();
        _touchedSet.Clear();
        _removed.Clear();
        return changes;
    }

    private JsonObject? Touch(JsonObject? obj)
    {
        if (obj is not null && _touchedSet.Add(obj))
        {
            _touched.Add(obj);
        }

        return obj;
    }

    /// <summary>Every object, each kind in the order its objects were added.</summary>
    public IEnumerable<JsonObject> All() => _byKind.Values.SelectMany(list => list).Select(obj => Touch(obj)!);

    public void Remove(JsonObject obj)
    {
        var id = (string)obj["id"]!;
        _byId.Remove(id);
        _byKind[(string)obj["object"]!].Remove(obj);
        _removed.Add(id);
    }

    public JsonObject? FindAny(string id) => Touch(_byId.GetValueOrDefault(id));

    /// <summary>The object with this id, without counting it as handed out (for saving).</summary>
    public JsonObject? FindAnyUntouched(string id) => _byId.GetValueOrDefault(id);

    public JsonObject? Find(string kind, string? id) =>
        id is not null && _byId.TryGetValue(id, out var obj) && (string?)obj["object"] == kind ? Touch(obj) : null;

    /// <summary>Looks an object up for a path id; Stripe answers 404 with the object's API name.</summary>
    public JsonObject Get(string kind, string id, string param = "id") =>
        Find(kind, id) ?? throw StripeApiException.NoSuchObject(kind, id, param, status: 404);

    /// <summary>Looks an object up for a body parameter; Stripe answers 400 naming the parameter.</summary>
    public JsonObject GetParam(string kind, string id, string param) =>
        Find(kind, id) ?? throw StripeApiException.NoSuchObject(kind, id, param, status: 400);

    /// <summary>Objects of one kind, newest first, as Stripe lists them.</summary>
    public IEnumerable<JsonObject> NewestFirst(string kind) =>
        _byKind.TryGetValue(kind, out var list) ? Enumerable.Reverse(list).Select(obj => Touch(obj)!) : [];
}
