using Keybrake.Mcp.Governance.Rules;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>Step 3, scope: the resolved record's customer must be one of the role's <c>customers</c> (<see cref="ScopeRule"/>).</summary>
public sealed class ScopeStep : IGovernanceStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct) => ValueTask.FromResult(ScopeRule.Check(call.Role!, call.Resolved!));
}
