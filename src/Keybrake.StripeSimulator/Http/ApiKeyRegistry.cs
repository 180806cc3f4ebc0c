using System.Collections.Concurrent;

namespace Keybrake.StripeSimulator.Http;

/// <summary>Registered API keys and their restricted-key permissions ("refunds:write", "*" for a secret key).</summary>
internal sealed class ApiKeyRegistry
{
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _keys = new(StringComparer.Ordinal);

    public void Register(string apiKey, IEnumerable<string> permissions)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        _keys[apiKey] = permissions.ToHashSet(StringComparer.Ordinal);
    }

    public bool Revoke(string apiKey) => _keys.TryRemove(apiKey, out _);

    public bool IsKnown(string apiKey) => _keys.ContainsKey(apiKey);

    public bool Allows(string apiKey, string resource, bool write)
    {
        if (!_keys.TryGetValue(apiKey, out var perms))
        {
            return false;
        }
        // Stripe's restricted keys grant read with write.
        return perms.Contains("*") || perms.Contains(resource + ":write") || (!write && perms.Contains(resource + ":read"));
    }

    /// <summary>Stripe's masked rendering of a key: its prefix, asterisks, and the last four characters.</summary>
    public static string Mask(string apiKey)
    {
        var prefixEnd = 0;
        foreach (var prefix in new[] { "sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_" })
        {
            if (apiKey.StartsWith(prefix, StringComparison.Ordinal))
            {
                prefixEnd = prefix.Length;
            }
        }
        var rest = apiKey.Length - prefixEnd;
        return rest > 8 ? apiKey[..prefixEnd] + "****" + apiKey[^4..] : apiKey[..prefixEnd] + "****";
    }

    /// <summary>Stripe's restricted-key permission name for a resource, e.g. refunds + write → rak_refund_write.</summary>
    public static string RakName(string resource, bool write)
    {
        var singular = resource switch
        {
            "payment_intents" => "payment_intent",
            "payment_methods" => "payment_method",
            "subscription_items" => "subscription_item",
            _ when resource.EndsWith('s') => resource[..^1],
            _ => resource,
        };
        return $"rak_{singular}_{(write ? "write" : "read")}";
    }
}
