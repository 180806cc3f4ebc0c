using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe.Tools;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// The restricted-key permissions a role needs, from what its tools declare (<see cref="Governance.ToolDeclaration.StripePermissions"/>).
/// </summary>
public static class StripePermissions
{
    /// <summary>The permissions a tool needs under this role (scoped refund lists also read the record they name).</summary>
    public static IEnumerable<string> For(string tool, RoleManifest role) => StripeTools.Find(tool) is { } declared
        ? role.Customers is null ? declared.StripePermissions : [.. declared.StripePermissions, .. declared.ScopedStripePermissions]
        : [];

    /// <summary>Every permission the role's tools need, write subsuming read of the same resource, sorted like the seed's commands.</summary>
    public static IReadOnlyList<string> Plan(RoleManifest role)
    {
        var access = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var permission in role.Tools.Keys.SelectMany(tool => For(tool, role)))
        {
            var (resource, level) = (permission.Split(':')[0], permission.Split(':')[1]);
            if (!access.TryGetValue(resource, out var existing) || (existing == "read" && level == "write"))
            {
                access[resource] = level;
            }
        }

        return [.. access.Select(p => $"{p.Key}:{p.Value}")];
    }
}
