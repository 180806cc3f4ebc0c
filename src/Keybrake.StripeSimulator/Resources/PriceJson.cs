using System.Globalization;
using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds price objects and the legacy plan object Stripe still embeds in subscription items.</summary>
internal static class PriceJson
{
    public static JsonObject Create(string id, string product, long unitAmount, string currency, string? interval, string? nickname, long now) => new()
    {
        ["id"] = id,
        ["object"] = "price",
        ["active"] = true,
        ["billing_scheme"] = "per_unit",
        ["created"] = now,
        ["currency"] = currency,
        ["custom_unit_amount"] = null,
        ["livemode"] = false,
        ["lookup_key"] = null,
        ["metadata"] = new JsonObject(),
        ["nickname"] = nickname,
        ["product"] = product,
        ["recurring"] = interval is null ? null : new JsonObject
        {
            ["interval"] = interval,
            ["interval_count"] = 1,
            ["meter"] = null,
            ["trial_period_days"] = null,
            ["usage_type"] = "licensed",
        },
        ["tax_behavior"] = "unspecified",
        ["tiers_mode"] = null,
        ["transform_quantity"] = null,
        ["type"] = interval is null ? "one_time" : "recurring",
        ["unit_amount"] = unitAmount,
        ["unit_amount_decimal"] = unitAmount.ToString(CultureInfo.InvariantCulture),
    };

    public static JsonObject? PlanFor(JsonObject price)
    {
        if (price["recurring"] is not JsonObject recurring)
        {
            return null;
        }
        return new JsonObject
        {
            ["id"] = price["id"]!.DeepClone(),
            ["object"] = "plan",
            ["active"] = price["active"]!.DeepClone(),
            ["amount"] = price["unit_amount"]!.DeepClone(),
            ["amount_decimal"] = price["unit_amount_decimal"]!.DeepClone(),
            ["billing_scheme"] = "per_unit",
            ["created"] = price["created"]!.DeepClone(),
            ["currency"] = price["currency"]!.DeepClone(),
            ["interval"] = recurring["interval"]!.DeepClone(),
            ["interval_count"] = recurring["interval_count"]!.DeepClone(),
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["meter"] = null,
            ["nickname"] = price["nickname"]?.DeepClone(),
            ["product"] = price["product"]!.DeepClone(),
            ["tiers_mode"] = null,
            ["transform_usage"] = null,
            ["trial_period_days"] = null,
            ["usage_type"] = "licensed",
        };
    }

    /// <summary>End of a billing period that starts at <paramref name="start"/>.</summary>
    public static long PeriodEnd(JsonObject price, long start)
    {
        var recurring = price["recurring"] as JsonObject;
        var count = recurring is null ? 1 : (int)JsonNumbers.Long(recurring["interval_count"]);
        var from = DateTimeOffset.FromUnixTimeSeconds(start);
        var end = (string?)recurring?["interval"] switch
        {
            "day" => from.AddDays(count),
            "week" => from.AddDays(7 * count),
            "year" => from.AddYears(count),
            _ => from.AddMonths(count),
        };
        return end.ToUnixTimeSeconds();
    }
}
