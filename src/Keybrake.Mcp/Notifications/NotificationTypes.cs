namespace Keybrake.Mcp.Notifications;

/// <summary>The event types a role's <c>notify</c> endpoints subscribe to, as manifests and payloads spell them.</summary>
public static class NotificationTypes
{
    public const string ApprovalRequested = "approval_requested";
    public const string ApprovalDecided = "approval_decided";
    public const string BudgetThreshold = "budget_threshold";
    public const string AgentRevoked = "agent_revoked";
    public const string OutcomeUnknown = "outcome_unknown";

    /// <summary>Every type, in the order messages list them.</summary>
    public static readonly IReadOnlyList<string> All = [ApprovalRequested, ApprovalDecided, BudgetThreshold, AgentRevoked, OutcomeUnknown];
}
