using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/invoices: read, list, pay, finalize, mark uncollectible and preview.</summary>
internal static class InvoiceEndpoints
{
    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/invoices", "invoices", List);
        // Stripe treats a preview as a read: it creates nothing.
        routes.Post("/v1/invoices/create_preview", "invoices", Preview, write: false);
        routes.Get("/v1/invoices/{id}", "invoices", r => ApiResult.Ok(Get(r).DeepClone()));
        routes.Post("/v1/invoices/{id}/pay", "invoices", Pay);
        routes.Post("/v1/invoices/{id}/finalize", "invoices", Finalize);
        routes.Post("/v1/invoices/{id}/mark_uncollectible", "invoices", MarkUncollectible);
    }

    private static JsonObject Get(ApiRequest r) => r.Store.Get("invoice", r.RequiredId, "invoice");

    private static ApiResult List(ApiRequest r)
    {
        var customer = r.Form.Get("customer");
        var status = r.Form.Get("status");
        var subscription = r.Form.Get("subscription");
        var items = r.Store.NewestFirst("invoice")
            .Where(i => customer is null || (string?)i["customer"] == customer)
            .Where(i => status is null || (string?)i["status"] == status)
            .Where(i => subscription is null || (string?)i["parent"]?["subscription_details"]?["subscription"] == subscription);
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/invoices", r.Store));
    }

    private static ApiResult Pay(ApiRequest r)
    {
        var invoice = Get(r);
        var status = (string)invoice["status"]!;
        if (status == "paid")
        {
            throw StripeApiException.Invalid("Invoice is already paid", "invoice_already_paid");
        }
        if (status is not ("open" or "uncollectible"))
        {
            throw StripeApiException.Invalid($"You can only pay an invoice that is open or uncollectible. This invoice's status is {status}.", "invoice_not_payable");
        }
        if (r.Form.Get("payment_method") is { } paymentMethodId)
        {
            var paymentMethod = r.Store.GetParam("payment_method", paymentMethodId, "payment_method");
            if ((string?)paymentMethod["customer"] != (string?)invoice["customer"])
            {
                throw StripeApiException.Invalid(
                    $"The PaymentMethod {paymentMethodId} does not belong to the Customer {invoice["customer"]}. Please use a PaymentMethod that belongs to this Customer.",
                    param: "payment_method");
            }
        }
        var now = r.Account.Now();
        invoice["status"] = "paid";
        invoice["amount_paid"] = JsonNumbers.Long(invoice["amount_paid"]) + JsonNumbers.Long(invoice["amount_remaining"]);
        invoice["amount_remaining"] = 0;
        invoice["attempted"] = true;
        invoice["attempt_count"] = JsonNumbers.Long(invoice["attempt_count"]) + 1;
        invoice["auto_advance"] = false;
        invoice["status_transitions"]!["paid_at"] = now;
        return ApiResult.Ok(invoice.DeepClone());
    }

    private static ApiResult Finalize(ApiRequest r)
    {
        var invoice = Get(r);
        if ((string?)invoice["status"] != "draft")
        {
            throw StripeApiException.Invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.", "invoice_not_editable");
        }
        var now = r.Account.Now();
        var id = (string)invoice["id"]!;
        invoice["status"] = "open";
        invoice["auto_advance"] = r.Form.GetBool("auto_advance") ?? invoice["auto_advance"]!.GetValue<bool>();
        invoice["number"] = "SIM-" + id[^6..].ToUpperInvariant();
        invoice["effective_at"] = now;
        invoice["ending_balance"] = 0;
        invoice["hosted_invoice_url"] = $"https://invoice.stripe.com/i/{id}";
        invoice["invoice_pdf"] = $"https://pay.stripe.com/invoice/{id}/pdf";
        invoice["status_transitions"]!["finalized_at"] = now;
        return ApiResult.Ok(invoice.DeepClone());
    }

    private static ApiResult MarkUncollectible(ApiRequest r)
    {
        var invoice = Get(r);
        if ((string?)invoice["status"] != "open")
        {
            throw StripeApiException.Invalid($"You can only mark an open invoice as uncollectible. This invoice's status is {invoice["status"]}.", "invoice_not_editable");
        }
        invoice["status"] = "uncollectible";
        invoice["auto_advance"] = false;
        invoice["status_transitions"]!["marked_uncollectible_at"] = r.Account.Now();
        return ApiResult.Ok(invoice.DeepClone());
    }

    /// <summary>
    /// Next-period invoice for a subscription with optional item changes. A changed item's price or quantity is prorated
    /// over the rest of its period (credit for the unused old plan, charge for the new); with always_invoice the preview
    /// is the invoice Stripe would create now, prorations only. Added and deleted items are not prorated.
    /// </summary>
    private static ApiResult Preview(ApiRequest r)
    {
        var form = r.Form;
        var subscriptionId = form.Get("subscription");
        var subscription = subscriptionId is null ? null : r.Store.GetParam("subscription", subscriptionId, "subscription");
        var customerId = form.Get("customer") ?? (string?)subscription?["customer"]
            ?? throw StripeApiException.Invalid("Missing required param: customer. One of customer or subscription is required.", "parameter_missing", "customer");
        var customer = r.Store.GetParam("customer", customerId, "customer");
        if (subscription is null)
        {
            throw StripeApiException.Invalid("No upcoming invoices for customer: " + customerId, "invoice_upcoming_none");
        }

        // Work on a copy so the preview never changes the subscription.
        var items = SubscriptionJson.Items(subscription).OfType<JsonObject>().Select(i => i.DeepClone().AsObject()).ToList();
        var currency = (string)subscription["currency"]!;
        var behavior = form.Get("subscription_details[proration_behavior]") ?? "create_prorations";
        var prorationDate = form.GetLong("subscription_details[proration_date]") ?? r.Account.Now();
        var prorations = new List<JsonObject>();
        foreach (var n in form.Indexes("subscription_details[items]"))
        {
            var prefix = $"subscription_details[items][{n}]";
            var itemId = form.Get(prefix + "[id]");
            var priceId = form.Get(prefix + "[price]");
            var price = priceId is null ? null : r.Store.GetParam("price", priceId, prefix + "[price]");
            var quantity = form.GetLong(prefix + "[quantity]");
            var item = itemId is null ? null : items.FirstOrDefault(i => (string?)i["id"] == itemId)
                ?? throw StripeApiException.NoSuchObject("subscription_item", itemId, prefix + "[id]", 400);
            if (item is null)
            {
                item = SubscriptionJson.CreateItem(StripeIds.New("si", 14), subscriptionId!, price ?? throw StripeApiException.Missing(prefix + "[price]"), 1, r.Account.Now());
                items.Add(item);
            }
            if (form.GetBool(prefix + "[deleted]") == true)
            {
                items.Remove(item);
                continue;
            }
            var before = itemId is null ? null : item.DeepClone().AsObject();
            if (price is not null)
            {
                SubscriptionJson.SetPrice(item, price);
            }
            if (quantity is { } q)
            {
                item["quantity"] = q;
            }
            if (before is not null && behavior != "none")
            {
                prorations.AddRange(ProrationLines(before, item, prorationDate, currency, subscriptionId!));
            }
        }

        var lines = items.Select(i =>
        {
            var price = (JsonObject)i["price"]!;
            var qty = JsonNumbers.Long(i["quantity"]);
            var start = JsonNumbers.Long(i["current_period_end"]);
            return InvoiceJson.Line(JsonNumbers.Long(price["unit_amount"]) * qty, currency, $"{qty} × {price["nickname"] ?? price["product"]}",
                qty, start, PriceJson.PeriodEnd(price, start), price, subscriptionId, (string?)i["id"]);
        }).ToList();
        lines = behavior == "always_invoice" ? prorations : [.. prorations, .. lines];
        var invoice = InvoiceJson.Create("upcoming_" + StripeIds.New("in"), customer, currency, "draft", subscriptionId, lines, r.Account.Now());
        invoice["billing_reason"] = "upcoming";
        return ApiResult.Ok(invoice);
    }

    /// <summary>Credit for the old plan's unused time and charge for the new plan's, from <paramref name="at"/> to the period end.</summary>
    private static IEnumerable<JsonObject> ProrationLines(JsonObject before, JsonObject after, long at, string currency, string subscription)
    {
        var start = JsonNumbers.Long(before["current_period_start"]);
        var end = JsonNumbers.Long(before["current_period_end"]);
        var from = Math.Max(at, start);
        if (end <= start || from >= end)
        {
            yield break;
        }

        foreach (var (item, sign, text) in new[] { (before, -1, "Unused time on"), (after, 1, "Remaining time on") })
        {
            var price = (JsonObject)item["price"]!;
            var qty = JsonNumbers.Long(item["quantity"]);
            var full = (decimal)JsonNumbers.Long(price["unit_amount"]) * qty;
            var amount = sign * (long)Math.Round(full * (end - from) / (end - start), MidpointRounding.AwayFromZero);
            var line = InvoiceJson.Line(amount, currency, $"{text} {qty} × {price["nickname"] ?? price["product"]}",
                qty, from, end, price, subscription, (string?)item["id"]);
            line["parent"]!["subscription_item_details"]!["proration"] = true;
            yield return line;
        }
    }
}
