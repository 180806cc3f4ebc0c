using ModelContextProtocol.Server;

namespace Keybrake.Mcp.Mcp;

/// <summary>Says which agent sent a request: fixed per process over stdio, from the bearer token over HTTP.</summary>
public interface ICallerResolver
{
    string? AgentOf(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> request);

    /// <summary>How the caller proved who it is, for the audit (<see cref="Ledger.AuditRecord.Auth"/>); null when nothing was proved.</summary>
    string? ProofOf(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> request) => null;
}

/// <summary>Over stdio there is no authentication: the process serves the one agent named by <c>serve --agent</c>.</summary>
public sealed class FixedCaller(string agent) : ICallerResolver
{
    public string? AgentOf(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> request) => agent;
}
