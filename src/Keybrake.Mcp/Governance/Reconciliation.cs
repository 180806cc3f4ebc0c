using System.Text.Json.Nodes;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance;

/// <summary>What Stripe says became of a call whose outcome was unknown.</summary>
public abstract record Reconciliation
{
    private Reconciliation() { }

    /// <summary>Stripe did it: settle with the money it moved (null: settle the hold as it stands).</summary>
    public sealed record Happened(JsonObject Result, MoneyAmount? Moved, string? Object) : Reconciliation
    {
        /// <summary>How the call changed a subscription's recurring amount, when Stripe's answer says.</summary>
        public RecurringDelta? RecurringDelta { get; init; }
    }

    /// <summary>Stripe has no trace of it: release the hold.</summary>
    public sealed record DidNotHappen(string Why) : Reconciliation;

    /// <summary>Cannot tell yet (Stripe unreachable, or the tool has no way to look); the hold stays.</summary>
    public sealed record StillUnknown(string Why) : Reconciliation;
}
