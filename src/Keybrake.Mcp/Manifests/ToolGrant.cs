using System.Collections.Immutable;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Manifests;

/// <summary>One tool's entry in a role manifest: the constraints that shape its schema and its checks.</summary>
public sealed record ToolGrant
{
    /// <summary>A grant with none of the manifest's constraints: Stripe's full argument space.</summary>
    public static readonly ToolGrant Unconstrained = new();

    /// <summary>Largest amount one call may move; becomes the schema's <c>maximum</c>.</summary>
    public MoneyAmount? MaxAmount { get; init; }

    /// <summary>Calls moving more than this wait for an approval.</summary>
    public MoneyAmount? ApprovalAbove { get; init; }

    /// <summary>Allowed refund reasons; null means Stripe's full set.</summary>
    public ImmutableArray<string>? Reasons { get; init; }

    /// <summary>Allowed target price ids; becomes the schema's <c>enum</c>.</summary>
    public ImmutableArray<string>? Prices { get; init; }

    /// <summary>Allowed proration behaviours; null means Stripe's full set.</summary>
    public ImmutableArray<string>? ProrationBehaviors { get; init; }

    /// <summary>Largest page a list tool returns; null means the tool's default cap.</summary>
    public int? MaxPageSize { get; init; }

    /// <summary>Largest trial extension in days (<c>extend_trial</c>).</summary>
    public int? MaxDays { get; init; }

    /// <summary>
    /// Largest subscription quantity (<c>update_subscription_quantity</c>, <c>change_plan</c>, <c>preview_plan_change</c>);
    /// the <c>quantity</c> argument exists only where this is set, as its schema's <c>maximum</c>.
    /// </summary>
    public int? MaxQuantity { get; init; }

    /// <summary>
    /// Most one call may raise the subscription's recurring amount per billing period (<c>change_plan</c>,
    /// <c>update_subscription_quantity</c>): a change that bills more every period is refused, whatever it charges now.
    /// </summary>
    public MoneyAmount? MaxRecurringIncrease { get; init; }

    /// <summary>Audit-only: the tool's own constraints are recorded as <c>shadow_denied</c> instead of refusing.</summary>
    public bool Shadow { get; init; }
}
