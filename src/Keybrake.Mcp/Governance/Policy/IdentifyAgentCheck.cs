using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Policy;

/// <summary>Step 1: caller → agent → role, refused when the agent is unknown, revoked, or the tool is not the role's.</summary>
public sealed class IdentifyAgentCheck(ManifestSource manifests, ILedger ledger)
{
    public async Task<(RoleManifest? Role, ToolGrant? Grant, Denial? Denial)> CheckAsync(string agent, string tool, CancellationToken ct)
    {
        if (manifests.Current.RoleOf(agent) is not { } role)
        {
            return (null, null, new Denial(DenialCodes.UnknownAgent,
                $"agent '{agent}' is not listed in any role manifest; an operator must add it to a manifest's \"agents\""));
        }

        if (await ledger.FindRevocationAsync(new CallIdentity(agent, role.Role), ct) is { } revocation)
        {
            var by = revocation.Scope == RevocationScopes.All ? "all agents are" : revocation.Scope.StartsWith("role:", StringComparison.Ordinal)
                ? $"role '{role.Role}' is" : $"agent '{agent}' is";
            var reason = string.IsNullOrWhiteSpace(revocation.Reason) ? "" : $" (reason: {revocation.Reason})";
            return (role, null, new Denial(DenialCodes.Revoked,
                $"{by} revoked since {revocation.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}{reason}; stop and ask an operator"));
        }

        if (!role.Tools.TryGetValue(tool, out var grant))
        {
            return (role, null, new Denial(DenialCodes.NotAllowed,
                $"tool '{tool}' is not granted to role '{role.Role}' (its tools: {string.Join(", ", role.Tools.Keys.Order())})"));
        }

        return (role, grant, null);
    }
}
