using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds invoices and invoice line items.</summary>
internal static class InvoiceJson
{
    public static JsonObject Create(string id, JsonObject customer, string currency, string status, string? subscription, IReadOnlyList<JsonObject> lines, long now)
    {
        long total = 0;
        var data = new JsonArray();
        foreach (var line in lines)
        {
            total += JsonNumbers.Long(line["amount"]);
            line["invoice"] = id;
            data.Add((JsonNode)line);
        }
        var paid = status == "paid";
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "invoice",
            ["account_country"] = "US",
            ["account_name"] = "Keybrake Simulated Account",
            ["account_tax_ids"] = null,
            ["amount_due"] = total,
            ["amount_overpaid"] = 0,
            ["amount_paid"] = paid ? total : 0,
            ["amount_paid_off_stripe"] = 0,
            ["amount_remaining"] = paid ? 0 : total,
            ["amount_shipping"] = 0,
            ["application"] = null,
            ["attempt_count"] = paid ? 1 : 0,
            ["attempted"] = paid,
            ["auto_advance"] = status is "draft" or "open",
            ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["automatically_finalizes_at"] = null,
            ["billing_reason"] = subscription is null ? "manual" : "subscription_cycle",
            ["collection_method"] = "charge_automatically",
            ["created"] = now,
            ["currency"] = currency,
            ["custom_fields"] = null,
            ["customer"] = customer["id"]!.DeepClone(),
            ["customer_address"] = null,
            ["customer_email"] = customer["email"]?.DeepClone(),
            ["customer_name"] = customer["name"]?.DeepClone(),
            ["customer_phone"] = null,
            ["customer_shipping"] = null,
            ["customer_tax_exempt"] = "none",
            ["customer_tax_ids"] = new JsonArray(),
            ["default_payment_method"] = null,
            ["default_source"] = null,
            ["default_tax_rates"] = new JsonArray(),
            ["description"] = null,
            ["discounts"] = new JsonArray(),
            ["due_date"] = null,
            ["effective_at"] = status == "draft" ? null : now,
            ["ending_balance"] = status == "draft" ? null : 0,
            ["footer"] = null,
            ["from_invoice"] = null,
            ["hosted_invoice_url"] = status == "draft" ? null : $"https://invoice.stripe.com/i/{id}",
            ["invoice_pdf"] = status == "draft" ? null : $"https://pay.stripe.com/invoice/{id}/pdf",
            ["issuer"] = new JsonObject { ["type"] = "self" },
            ["last_finalization_error"] = null,
            ["latest_revision"] = null,
            ["lines"] = new JsonObject
            {
                ["object"] = "list",
                ["data"] = data,
                ["has_more"] = false,
                ["total_count"] = data.Count,
                ["url"] = $"/v1/invoices/{id}/lines",
            },
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["next_payment_attempt"] = null,
            ["number"] = status == "draft" ? null : "SIM-" + id[^6..].ToUpperInvariant(),
            ["on_behalf_of"] = null,
            ["parent"] = subscription is null ? null : new JsonObject
            {
                ["quote_details"] = null,
                ["subscription_details"] = new JsonObject { ["metadata"] = new JsonObject(), ["subscription"] = subscription },
                ["type"] = "subscription_details",
            },
            ["payment_settings"] = new JsonObject { ["default_mandate"] = null, ["payment_method_options"] = null, ["payment_method_types"] = null },
            ["period_end"] = now,
            ["period_start"] = now,
            ["post_payment_credit_notes_amount"] = 0,
            ["pre_payment_credit_notes_amount"] = 0,
            ["receipt_number"] = null,
            ["rendering"] = null,
            ["shipping_cost"] = null,
            ["shipping_details"] = null,
            ["starting_balance"] = 0,
            ["statement_descriptor"] = null,
            ["status"] = status,
            ["status_transitions"] = new JsonObject
            {
                ["finalized_at"] = status == "draft" ? null : now,
                ["marked_uncollectible_at"] = status == "uncollectible" ? now : null,
                ["paid_at"] = paid ? now : null,
                ["voided_at"] = status == "void" ? now : null,
            },
            ["subtotal"] = total,
            ["subtotal_excluding_tax"] = total,
            ["test_clock"] = null,
            ["total"] = total,
            ["total_discount_amounts"] = new JsonArray(),
            ["total_excluding_tax"] = total,
            ["total_pretax_credit_amounts"] = new JsonArray(),
            ["total_taxes"] = new JsonArray(),
            ["webhooks_delivered_at"] = now,
        };
    }

    public static JsonObject Line(long amount, string currency, string description, long? quantity, long periodStart, long periodEnd, JsonObject? price, string? subscription, string? subscriptionItem) => new()
    {
        ["id"] = StripeIds.New("il"),
        ["object"] = "line_item",
        ["amount"] = amount,
        ["currency"] = currency,
        ["description"] = description,
        ["discount_amounts"] = new JsonArray(),
        ["discountable"] = true,
        ["discounts"] = new JsonArray(),
        ["invoice"] = null,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["parent"] = subscriptionItem is null ? null : new JsonObject
        {
            ["invoice_item_details"] = null,
            ["subscription_item_details"] = new JsonObject
            {
                ["invoice_item"] = null,
                ["proration"] = false,
                ["proration_details"] = new JsonObject { ["credited_items"] = null },
                ["subscription"] = subscription,
                ["subscription_item"] = subscriptionItem,
            },
            ["type"] = "subscription_item_details",
        },
        ["period"] = new JsonObject { ["end"] = periodEnd, ["start"] = periodStart },
        ["pretax_credit_amounts"] = new JsonArray(),
        ["pricing"] = price is null ? null : new JsonObject
        {
            ["price_details"] = new JsonObject { ["price"] = price["id"]!.DeepClone(), ["product"] = price["product"]!.DeepClone() },
            ["type"] = "price_details",
            ["unit_amount_decimal"] = price["unit_amount_decimal"]!.DeepClone(),
        },
        ["quantity"] = quantity,
        ["subtotal"] = amount,
        ["taxes"] = new JsonArray(),
    };
}
