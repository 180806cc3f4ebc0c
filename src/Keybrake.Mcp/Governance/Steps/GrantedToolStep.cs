namespace Keybrake.Mcp.Governance.Steps;

/// <summary>Step 1, identify: the tool must be granted to the agent's role, and implemented by this server.</summary>
public sealed class GrantedToolStep(ToolRegistry tools) : IGovernanceStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
    {
        var role = call.Role!;
        if (!role.Tools.TryGetValue(call.ToolName, out var grant))
        {
            return ValueTask.FromResult<Denial?>(new Denial(DenialCodes.NotAllowed,
                $"tool '{call.ToolName}' is not granted to role '{role.Role}' (its tools: {string.Join(", ", role.Tools.Keys.Order())})"));
        }

        if (tools.Find(call.ToolName) is not { } operation)
        {
            return ValueTask.FromResult<Denial?>(new Denial(DenialCodes.NotAllowed, $"tool '{call.ToolName}' is not implemented by this server"));
        }

        call.Grant = grant;
        call.Operation = operation;
        call.Request = operation.Effect == ToolEffect.Read ? null : RequestIdentity.For(call.Agent, call.ToolName, call.Arguments, call.ArgumentsJson);
        return ValueTask.FromResult<Denial?>(null);
    }
}
