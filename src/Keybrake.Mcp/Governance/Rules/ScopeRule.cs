using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Rules;

/// <summary>The scope rule of step 3, pure: the record's customer must be in the role's <c>customers</c> list, when the role has one.</summary>
public static class ScopeRule
{
    public static Denial? Check(RoleManifest role, Resolution resolved)
    {
        if (role.Customers is not { } allowed || !resolved.Scoped)
        {
            return null;
        }

        var record = resolved.Describes ?? resolved.Object ?? "the record";
        if (resolved.Customer is not { } customer)
        {
            return new Denial(DenialCodes.NotAllowed,
                $"{record} has no customer, and role '{role.Role}' may only act on its listed customers");
        }

        return allowed.Contains(customer)
            ? null
            : new Denial(DenialCodes.NotAllowed,
                $"{record} belongs to customer {customer}, which is outside role '{role.Role}''s customers");
    }
}
