using System.Text.Json;
using Keybrake.Mcp.Governance;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>Asks the connected MCP client to confirm a large call through elicitation, when the client can.</summary>
public sealed class ElicitationPrompt(McpServer server) : IApprovalPrompt
{
    public string ClientName => server.ClientInfo?.Name ?? "unknown-client";

    public async Task<bool?> ConfirmAsync(string message, CancellationToken ct)
    {
        if (server.ClientCapabilities?.Elicitation is null)
        {
            return null;
        }

        try
        {
            var result = await server.ElicitAsync(new ElicitRequestParams
            {
                Message = message,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                    {
                        ["approve"] = new ElicitRequestParams.BooleanSchema { Title = "Approve", Description = "Allow this call to move the money.", Default = false },
                    },
                    Required = ["approve"],
                },
            }, ct);
            return result.Action == "accept"
                   && result.Content?.TryGetValue("approve", out var approve) == true
                   && approve.ValueKind == JsonValueKind.True;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The transport cannot carry a server-to-client request here (e.g. a stateless HTTP request): an operator decides.
            return null;
        }
    }
}
