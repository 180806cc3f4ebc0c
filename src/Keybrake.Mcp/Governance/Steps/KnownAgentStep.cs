using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>Step 1, identify: the agent must be listed in a role manifest. Reads only the manifests.</summary>
public sealed class KnownAgentStep(ManifestSource manifests) : IGovernanceStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        if (manifests.Current.RoleOf(call.Agent) is not { } role)
        {
            return ValueTask.FromResult<Denial?>(new Denial(DenialCodes.UnknownAgent,
                $"agent '{call.Agent}' is not listed in any role manifest; an operator must add it to a manifest's \"agents\""));
        }

        call.Identify(role);
        return ValueTask.FromResult<Denial?>(null);
    }
}
