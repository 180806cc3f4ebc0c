namespace Keybrake.Mcp.Governance;

/// <summary>
/// Asks the connected client to confirm a large call (MCP elicitation). A confirmation, not proof that a human
/// approved: the client may be the agent itself, which is why <c>operator</c> is the default channel.
/// </summary>
public interface IApprovalPrompt
{
    /// <summary>Name of the client, recorded as who approved.</summary>
    string ClientName { get; }

    /// <summary>True approved, false declined, null when the client cannot be asked (then an operator decides).</summary>
    Task<bool?> ConfirmAsync(string message, CancellationToken ct);
}
