using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// A decision audited on its own, with no hold and no Stripe call: a refusal (<c>denied</c>), what a shadow rule would have
/// refused (<c>allowed</c> with code <c>shadow_denied</c>: the call itself went on), or an operator's decision.
/// </summary>
public sealed record Verdict(string CallId, CallIdentity Who, string Tool, string Arguments, string? Code, string Message, string? Result)
{
    public string Outcome { get; init; } = AuditOutcomes.Denied;

    /// <summary>How the caller proved who it is (<see cref="AuditRecord.Auth"/>).</summary>
    public string? Auth { get; init; }

    /// <summary>Rate limits the refused call counts against (it passed their check before it was refused for something else).</summary>
    public IReadOnlyList<RateLimit> CountsAgainst { get; init; } = [];
}
