using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 2, validate, for a grant in shadow mode only: it publishes Stripe's unconstrained schema, and a call that does not
/// fit even that (a wrong type, a missing argument) is refused; what its constraints would refuse is only recorded, by
/// <see cref="ArgumentConstraintsStep"/> in <see cref="ShadowMode"/>. Other grants are validated once, there.
/// </summary>
public sealed class ArgumentShapeStep(InputSchemaCache schemas) : IGovernanceStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct) =>
        ValueTask.FromResult(call.Grant!.Shadow ? ArgumentConstraintsStep.Validate(schemas, call, ToolGrant.Unconstrained) : null);
}
