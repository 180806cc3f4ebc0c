using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Money;

/// <summary>
/// How much a call changes a subscription's recurring amount per billing period: minor units of a currency per
/// <see cref="IntervalCount"/> <see cref="Interval"/>s (Stripe's words: <c>month</c>, 1). Positive raises what the
/// customer pays each period.
/// </summary>
public sealed record RecurringDelta(long Minor, Currency Currency, string Interval, long IntervalCount)
{
    /// <summary>The contract's JSON form (results and audit records): <c>{"amount", "currency", "interval", "interval_count"}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["amount"] = Minor,
        ["currency"] = Currency.Code.ToLowerInvariant(),
        ["interval"] = Interval,
        ["interval_count"] = IntervalCount,
    };

    /// <summary>Reads <see cref="ToJson"/>'s form back; null for null or anything else.</summary>
    public static RecurringDelta? FromJson(JsonNode? node) =>
        node is JsonObject o && o["amount"] is JsonValue amount && amount.TryGetValue(out long minor)
        && Currency.TryGet(((string?)o["currency"])?.ToUpperInvariant()) is { } currency && (string?)o["interval"] is { } interval
        && o["interval_count"] is JsonValue count && count.TryGetValue(out long intervalCount)
            ? new RecurringDelta(minor, currency, interval, intervalCount)
            : null;

    /// <summary>"every month", "every 3 months".</summary>
    public string Period => IntervalCount == 1 ? $"every {Interval}" : $"every {IntervalCount} {Interval}s";

    public override string ToString() => $"{(Minor > 0 ? "+" : "")}{MoneyAmount.Format(Minor, Currency)} {Period}";
}
