using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>A manifest that loads clean and exercises most fields, for tests to break one thing at a time.</summary>
internal static class ValidManifest
{
    public static JsonObject For(string role, params string[] agents)
    {
        var agentArray = new JsonArray();
        foreach (var agent in agents.Length == 0 ? [role + "-bot"] : agents)
        {
            agentArray.Add(agent);
        }

        var manifest = JsonNode.Parse(
            """
            {
              "$schema": "./manifest.schema.json",
              "role": "ROLE",
              "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_TEST", "mode": "test" },
              "budgets": [
                { "per": "agent", "window": "day", "limit": "500.00 USD" },
                { "per": "role", "window": "day", "limit": "2000.00 USD" }
              ],
              "rateLimits": [ { "per": "agent", "calls": 30, "window": "minute" } ],
              "tools": {
                "get_customer": {},
                "issue_refund": { "maxAmount": "200.00 USD", "reasons": ["duplicate"], "approvalAbove": "100.00 USD" },
                "change_plan": { "prices": ["price_a"], "prorationBehaviors": ["none"] },
                "list_prices": { "maxPageSize": 10 },
                "extend_trial": { "maxDays": 30 },
                "update_subscription_quantity": { "maxQuantity": 5 }
              }
            }
            """)!.AsObject();
        manifest["role"] = role;
        manifest["agents"] = agentArray;
        return manifest;
    }

    /// <summary>
    /// Sets (or, for a null value, removes) the value at a dotted path like <c>tools.issue_refund.maxAmount</c>
    /// or <c>budgets[1].limit</c>; <paramref name="json"/> is the new value as JSON text.
    /// </summary>
    public static JsonObject With(this JsonObject manifest, string path, string? json)
    {
        var segments = path.Replace("[", ".[").Split('.');
        JsonNode parent = manifest;
        foreach (var segment in segments[..^1])
        {
            parent = segment.StartsWith('[') ? parent[Index(segment)]! : parent[segment]!;
        }

        var last = segments[^1];
        var value = json is null ? null : JsonNode.Parse(json);
        if (last.StartsWith('[') && json is null)
        {
            parent.AsArray().RemoveAt(Index(last));
        }
        else if (last.StartsWith('['))
        {
            parent.AsArray()[Index(last)] = value;
        }
        else if (json is null)
        {
            parent.AsObject().Remove(last);
        }
        else
        {
            parent[last] = value;
        }

        return manifest;
    }

    private static int Index(string segment) => int.Parse(segment.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture);
}
