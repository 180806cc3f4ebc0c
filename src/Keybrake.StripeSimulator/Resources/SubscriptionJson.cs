using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds subscriptions and their items (billing periods live on items since API 2025-03-31).</summary>
internal static class SubscriptionJson
{
    public static JsonObject Create(string id, string customer, string currency, string status, long now) => new()
    {
        ["id"] = id,
        ["object"] = "subscription",
        ["application"] = null,
        ["application_fee_percent"] = null,
        ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null },
        ["billing_cycle_anchor"] = now,
        ["billing_cycle_anchor_config"] = null,
        ["billing_mode"] = new JsonObject { ["flexible"] = null, ["type"] = "classic", ["updated_at"] = now },
        ["billing_thresholds"] = null,
        ["cancel_at"] = null,
        ["cancel_at_period_end"] = false,
        ["canceled_at"] = null,
        ["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = null, ["reason"] = null },
        ["collection_method"] = "charge_automatically",
        ["created"] = now,
        ["currency"] = currency,
        ["customer"] = customer,
        ["days_until_due"] = null,
        ["default_payment_method"] = null,
        ["default_source"] = null,
        ["default_tax_rates"] = new JsonArray(),
        ["description"] = null,
        ["discounts"] = new JsonArray(),
        ["ended_at"] = null,
        ["invoice_settings"] = new JsonObject { ["account_tax_ids"] = null, ["issuer"] = new JsonObject { ["type"] = "self" } },
        ["items"] = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(),
            ["has_more"] = false,
            ["total_count"] = 0,
            ["url"] = $"/v1/subscription_items?subscription={id}",
        },
        ["latest_invoice"] = null,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["next_pending_invoice_item_invoice"] = null,
        ["on_behalf_of"] = null,
        ["pause_collection"] = null,
        ["payment_settings"] = new JsonObject
        {
            ["payment_method_options"] = null,
            ["payment_method_types"] = null,
            ["save_default_payment_method"] = "off",
        },
        ["pending_invoice_item_interval"] = null,
        ["pending_setup_intent"] = null,
        ["pending_update"] = null,
        ["schedule"] = null,
        ["start_date"] = now,
        ["status"] = status,
        ["test_clock"] = null,
        ["transfer_data"] = null,
        ["trial_end"] = null,
        ["trial_settings"] = new JsonObject { ["end_behavior"] = new JsonObject { ["missing_payment_method"] = "create_invoice" } },
        ["trial_start"] = null,
    };

    public static JsonObject CreateItem(string id, string subscription, JsonObject price, long quantity, long now)
    {
        var periodEnd = PriceJson.PeriodEnd(price, now);
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "subscription_item",
            ["billed_until"] = periodEnd,
            ["billing_thresholds"] = null,
            ["created"] = now,
            ["current_period_end"] = periodEnd,
            ["current_period_start"] = now,
            ["discounts"] = new JsonArray(),
            ["metadata"] = new JsonObject(),
            ["plan"] = PriceJson.PlanFor(price),
            ["price"] = price.DeepClone(),
            ["quantity"] = quantity,
            ["subscription"] = subscription,
            ["tax_rates"] = new JsonArray(),
        };
    }

    public static JsonArray Items(JsonObject subscription) => (JsonArray)subscription["items"]!["data"]!;

    public static void AddItem(JsonObject subscription, JsonObject item)
    {
        Items(subscription).Add((JsonNode)item);
        subscription["items"]!["total_count"] = Items(subscription).Count;
    }

    public static void RemoveItem(JsonObject subscription, JsonObject item)
    {
        Items(subscription).Remove(item);
        subscription["items"]!["total_count"] = Items(subscription).Count;
    }

    public static void SetPrice(JsonObject item, JsonObject price)
    {
        item["price"] = price.DeepClone();
        item["plan"] = PriceJson.PlanFor(price);
    }
}
