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
    /// The invoice a subscription change would produce, with the billing rules of <see cref="SubscriptionBilling"/>: when the
    /// change is invoiced at once (always_invoice with prorations, another billing interval, free to paid,
    /// <c>billing_cycle_anchor=now</c>) the preview is that invoice; otherwise it is the next regular invoice (pending
    /// prorations and the next period). <c>resume_at=now</c> previews the invoice of resuming a paused subscription.
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

        const string details = "subscription_details";
        var now = r.Account.Now();
        List<JsonObject> lines;
        if (form.Get(details + "[resume_at]") is { } resumeAt)
        {
            if (resumeAt != "now" || (string?)subscription["status"] != "paused")
            {
                throw StripeApiException.Invalid("subscription_details[resume_at] can only be `now`, for a paused subscription.", null, details + "[resume_at]");
            }

            lines = SubscriptionBilling.ResumeLines(r.Store, subscription, now);
        }
        else
        {
            var behavior = form.Get(details + "[proration_behavior]") ?? "create_prorations";
            var prorationDate = SubscriptionEndpoints.ProrationDate(form, details + "[proration_date]", subscription, now);
            var anchorNow = form.Get(details + "[billing_cycle_anchor]") == "now";
            var plan = SubscriptionBilling.Plan(r.Store, subscription, SubscriptionBilling.ReadItemChanges(r, subscription, details + "[items]"),
                behavior, prorationDate, anchorNow, now);
            lines = plan.InvoicesNow ? plan.NowLines : SubscriptionBilling.NextRenewalLines(r.Store, subscription, plan);
        }

        var invoice = InvoiceJson.Create("upcoming_" + StripeIds.New("in"), customer, (string)subscription["currency"]!, "draft", subscriptionId, lines, now);
        invoice["billing_reason"] = "upcoming";
        var (due, _) = SubscriptionBilling.ApplyBalance(r.Store, customerId, JsonNumbers.Long(invoice["total"]));
        invoice["amount_due"] = due;
        invoice["amount_remaining"] = due;
        invoice["starting_balance"] = customer["balance"]!.DeepClone();
        return ApiResult.Ok(invoice);
    }
}
