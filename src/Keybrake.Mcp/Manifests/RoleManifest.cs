using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests;

/// <summary>One role's grants from <c>tool-manifests/{role}.json</c>. A reload builds a new instance.</summary>
public sealed record RoleManifest
{
    /// <summary>Role id; must match the file name without <c>.json</c>.</summary>
    public required string Role { get; init; }

    /// <summary>What the role is for, shown to operators.</summary>
    public string Description { get; init; } = "";

    /// <summary>Where the role's Stripe key comes from and which mode it must be.</summary>
    public required StripeSettings Stripe { get; init; }

    /// <summary>Agents that act in this role. An agent belongs to at most one role.</summary>
    public ImmutableArray<string> Agents { get; init; } = [];

    /// <summary>Customer ids the role may act on; null means any customer.</summary>
    public ImmutableHashSet<string>? Customers { get; init; }

    /// <summary>Removes personal data (email, phone, addresses, card details beyond brand and last4) from read results.</summary>
    public bool RedactPersonalData { get; init; }

    /// <summary>Lets read tools keep answering, unaudited, while the ledger is unavailable. Money-moving calls never do.</summary>
    public bool ReadsWithoutLedger { get; init; }

    /// <summary>Money limits over rolling windows; empty means the role's money is not capped by budget.</summary>
    public ImmutableArray<Budget> Budgets { get; init; } = [];

    /// <summary>Call-count limits over rolling windows.</summary>
    public ImmutableArray<RateLimit> RateLimits { get; init; } = [];

    /// <summary>Allowed tools by MCP tool name; a tool not listed does not exist for the role.</summary>
    public ImmutableDictionary<string, ToolGrant> Tools { get; init; } = ImmutableDictionary<string, ToolGrant>.Empty;

    /// <summary>How calls above a tool's <c>approvalAbove</c> are approved.</summary>
    public ApprovalSettings Approvals { get; init; } = new();

    /// <summary>Webhook endpoints that receive this role's events (approvals, budget thresholds, revocations, unknown outcomes).</summary>
    public ImmutableArray<NotifyEndpoint> Notify { get; init; } = [];

    /// <summary>The file this manifest was read from, for messages.</summary>
    public string SourceFile { get; init; } = "";
}
