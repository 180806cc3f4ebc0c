using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 1, identify: a revoked agent (by name, by role, or all) is refused. Read from the ledger on every call, so a
/// revocation from any process or host is seen by the very next call; a ledger that cannot say refuses (fail closed).
/// </summary>
public sealed class RevocationStep(ILedger ledger) : IGovernanceStep
{
    public async ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        if (await ledger.FindRevocationAsync(call.Who, ct) is not { } revocation)
        {
            return null;
        }

        var by = revocation.Scope == RevocationScopes.All ? "all agents are" : revocation.Scope.StartsWith("role:", StringComparison.Ordinal)
            ? $"role '{call.Who.Role}' is" : $"agent '{call.Agent}' is";
        var reason = string.IsNullOrWhiteSpace(revocation.Reason) ? "" : $" (reason: {revocation.Reason})";
        return new Denial(DenialCodes.Revoked, $"{by} revoked since {revocation.RevokedAt:yyyy-MM-ddTHH:mm:ssZ}{reason}; stop and ask an operator");
    }
}
