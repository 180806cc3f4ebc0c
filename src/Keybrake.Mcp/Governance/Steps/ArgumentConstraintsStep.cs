using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Governance.Steps;

/// <summary>
/// Step 2, validate: the arguments against the very schema the role's grant publishes (types, enums, maximum, id
/// patterns, no extra properties) and the tool's exactly-one-of groups. The SDK validates nothing: this does.
/// </summary>
public sealed class ArgumentConstraintsStep(InputSchemaCache schemas) : IShadowableStep
{
    public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct) => ValueTask.FromResult(WouldRefuse(call));

    public Denial? WouldRefuse(ToolCall call) => Validate(schemas, call, call.Grant!);

    internal static Denial? Validate(InputSchemaCache schemas, ToolCall call, ToolGrant grant)
    {
        var operation = call.Operation!;
        var problems = ArgumentValidator.Validate(schemas.For(operation, call.Role!, grant), call.Arguments, operation.ExactlyOneOf(call.Role!));
        return problems.Count == 0 ? null : new Denial(DenialCodes.InvalidArguments, ArgumentValidator.Summarize(call.ToolName, problems));
    }
}
