using Keybrake.Mcp.Governance.Rules;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 3, amount: the resolved amount against the tool's <c>maxAmount</c> and the role's budget currencies, and a
/// subscription change against <c>maxRecurringIncrease</c> (<see cref="AmountRules"/>).
/// </summary>
public sealed class AmountStep : IShadowableStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct) => ValueTask.FromResult(WouldRefuse(call));

    public Denial? WouldRefuse(ToolCall call) => AmountRules.Check(call.ToolName, call.Role!, call.Grant!, call.Resolved!);
}
