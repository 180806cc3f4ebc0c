using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>
/// An MCP tool whose schema was generated from one role's manifest and whose every call runs through the
/// governance pipeline. The only place the MCP SDK meets the governance core.
/// </summary>
public sealed class GovernedTool : McpServerTool
{
    private readonly IToolOperation _operation;

    public GovernedTool(IToolOperation operation, RoleManifest role, ToolGrant grant)
    {
        _operation = operation;
        var mutates = operation.Effect != ToolEffect.Read;
        ProtocolTool = new Tool
        {
            Name = operation.Name,
            Title = operation.Title,
            Description = operation.Describe(role, grant),
            // A shadow grant's constraints are only recorded, so the agent sees Stripe's unconstrained arguments.
            InputSchema = ToElement(operation.InputSchema(role, grant.Shadow ? ToolGrant.Unconstrained : grant)),
            OutputSchema = ToElement(operation.OutputSchema()),
            Annotations = new ToolAnnotations
            {
                Title = operation.Title,
                ReadOnlyHint = !mutates,
                DestructiveHint = mutates,
                // Identical calls are deduplicated for 10 minutes only (forever with a request_id): not idempotent in general.
                IdempotentHint = !mutates,
                OpenWorldHint = true,
            },
        };
    }

    public override Tool ProtocolTool { get; }

    public override IReadOnlyList<object> Metadata => [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
        InvokeGovernedAsync(request, _operation.Name, cancellationToken);

    /// <summary>
    /// Runs a call through the pipeline. Also used for names that are not the caller's tools, so that a call to a
    /// tool the role lacks is refused like any other call (audited, <c>not_allowed</c>) rather than as a protocol error.
    /// </summary>
    public static async ValueTask<CallToolResult> InvokeGovernedAsync(RequestContext<CallToolRequestParams> request, string toolName, CancellationToken cancellationToken)
    {
        var services = request.Services ?? throw new InvalidOperationException("The MCP server was created without services.");
        var caller = services.GetRequiredService<ICallerResolver>();
        var agent = caller.AgentOf(request);
        var pipeline = services.GetRequiredService<GovernancePipeline>();
        var arguments = new JsonObject();
        foreach (var (name, value) in request.Params?.Arguments ?? new Dictionary<string, JsonElement>())
        {
            arguments[name] = JsonNode.Parse(value.GetRawText());
        }

        var response = agent is null
            ? ToolResponse.Error(new Denial(DenialCodes.UnknownAgent, "this request carries no agent identity"))
            : await pipeline.RunAsync(agent, toolName, arguments, cancellationToken, new ElicitationPrompt(request.Server), caller.ProofOf(request));
        return new CallToolResult
        {
            IsError = response.IsError,
            StructuredContent = ToElement(response.Structured),
            Content = [new TextContentBlock { Text = response.Text }],
        };
    }

    private static JsonElement ToElement(JsonObject node) =>
        JsonSerializer.SerializeToElement(node, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
}
