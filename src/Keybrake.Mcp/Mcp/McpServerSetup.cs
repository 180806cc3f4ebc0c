using System.Reflection;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>Registers one role's governed tools with the MCP server and says who the server is.</summary>
public static class McpServerSetup
{
    /// <summary>The server's name and version as clients see them.</summary>
    public static Implementation ServerInfo => new()
    {
        Name = "keybrake-mcp",
        Title = "Keybrake MCP: governed Stripe tools",
        Version = typeof(McpServerSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
    };

    /// <summary>What the model is told about the server on initialize.</summary>
    public const string Instructions =
        "Every tool here acts on a Stripe account within limits an operator set for you: allowed records, amounts, prices and budgets. " +
        "Amounts are integers in the currency's minor units. A refusal is a tool result with isError and error.code " +
        "(e.g. budget_exceeded, not_allowed, rate_limited with retry_after_seconds); do not try to work around it. " +
        "To retry safely, repeat the call with the same arguments and request_id: money never moves twice.";

    /// <summary>Adds the role's tools (those this build implements) as singletons the MCP server picks up.</summary>
    public static IServiceCollection AddRoleTools(this IServiceCollection services, RoleManifest role)
    {
        // Through options rather than McpServerTool singletons: which tools exist is only known once the registry is built.
        services.AddSingleton<IConfigureOptions<McpServerOptions>>(sp => new ConfigureOptions<McpServerOptions>(options =>
        {
            options.ToolCollection ??= [];
            foreach (var tool in ToolsFor(role, sp.GetRequiredService<ToolRegistry>()))
            {
                options.ToolCollection.TryAdd(tool);
            }

            RefuseOtherTools(options);
        }));
        return services;
    }

    /// <summary>
    /// A call to a name outside the caller's tools goes through the pipeline, which refuses it and writes the attempt
    /// to the audit log (a "create" asked of a capture-only agent is worth knowing about); the client then gets the
    /// protocol's answer for a tool it was never offered: JSON-RPC -32602 "Unknown tool", with the reason.
    /// </summary>
    public static void RefuseOtherTools(McpServerOptions options) =>
        options.Handlers.CallToolHandler = async (request, ct) =>
        {
            var name = request.Params?.Name;
            if (string.IsNullOrEmpty(name))
            {
                throw new McpProtocolException("tools/call needs the name of a tool from tools/list", McpErrorCode.InvalidParams);
            }

            var refusal = await GovernedTool.InvokeGovernedAsync(request, name, ct);
            var message = refusal.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "not one of this agent's tools";
            throw new McpProtocolException($"Unknown tool: '{name}'. {message}", McpErrorCode.InvalidParams);
        };

    /// <summary>The role's tools that this build implements, each with the schema generated from its grant.</summary>
    public static IEnumerable<McpServerTool> ToolsFor(RoleManifest role, ToolRegistry registry)
    {
        foreach (var (name, grant) in role.Tools.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (registry.Find(name) is { } operation)
            {
                yield return new GovernedTool(operation, role, grant);
            }
        }
    }
}
