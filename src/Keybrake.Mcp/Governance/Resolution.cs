using System.Text.Json.Nodes;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance;

/// <summary>What resolving a call found out: the record and its customer (for scope) and the money it would move (for budgets).</summary>
public sealed record Resolution
{
    /// <summary>The Stripe object the call acts on, e.g. <c>pi_...</c>.</summary>
    public string? Object { get; init; }

    /// <summary>Human name of the record for messages: "payment intent pi_123".</summary>
    public string? Describes { get; init; }

    /// <summary>Whether the record is subject to the role's customer scope.</summary>
    public bool Scoped { get; init; }

    /// <summary>The customer the record belongs to, or null when it has none.</summary>
    public string? Customer { get; init; }

    /// <summary>The money the call will move: the resolved amount, not only the requested one.</summary>
    public MoneyAmount? Moves { get; init; }

    /// <summary>Verb for messages about the amount: "refund", "capture".</summary>
    public string Action { get; init; } = "call";

    /// <summary>A refusal found while resolving (e.g. nothing left to refund, Stripe said no such object).</summary>
    public Denial? Denial { get; init; }

    /// <summary>
    /// What resolving fetched that executing may reuse instead of asking Stripe again (the record a read returns, the
    /// subscription a change starts from); the tool that set it knows its type. A re-send after an unknown outcome has
    /// none (<see cref="Resend"/>), and reads afresh.
    /// </summary>
    public object? Prefetched { get; init; }

    /// <summary>
    /// What a state-changing call needs to send its request, found while resolving (the item to change, the proration date
    /// previewed, the latest invoice before the call): kept with the started audit row, so that a re-send or a
    /// reconciliation sends exactly the same request and reads Stripe's answer against the same "before".
    /// </summary>
    public JsonObject? Prepared { get; init; }

    /// <summary>How the call changes a subscription's recurring amount per period (subscription changes); checked against <c>maxRecurringIncrease</c>.</summary>
    public RecurringDelta? RecurringDelta { get; init; }

    public static Resolution Refused(Denial denial) => new() { Denial = denial };

    /// <summary>
    /// What a request sent again after an unknown outcome executes with: nothing resolved now, since it must be the very
    /// request first prepared (<see cref="ToolInvocation.Prepared"/>); the tool reads whatever else it needs afresh.
    /// </summary>
    public static Resolution Resend { get; } = new();
}
