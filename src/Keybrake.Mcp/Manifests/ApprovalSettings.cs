namespace Keybrake.Mcp.Manifests;

/// <summary>The role's <c>approvals</c> block: who approves large calls and how long a pending approval lives.</summary>
public sealed record ApprovalSettings(ApprovalChannel Via = ApprovalChannel.Operator, TimeSpan? ExpiresAfter = null)
{
    /// <summary>Default lifetime of a pending approval.</summary>
    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromMinutes(15);

    /// <summary>How long an approved call of this role has to be retried: the role's <c>expiresAfter</c>, else the default.</summary>
    public static TimeSpan ExpiryOf(ManifestSet? manifests, string role) =>
        manifests?.Roles.GetValueOrDefault(role)?.Approvals.ExpiresAfter ?? DefaultExpiry;
}

/// <summary>Operator in a terminal, or the MCP client through elicitation.</summary>
public enum ApprovalChannel
{
    Operator,
    Client,
}
