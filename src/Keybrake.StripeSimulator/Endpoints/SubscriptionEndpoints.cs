using System.Globalization;
using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Endpoints;

/// <summary>/v1/subscriptions: read, list, update (items, pause, trial, metadata), cancel and resume.</summary>
internal static class SubscriptionEndpoints
{
    private static readonly string[] ProrationBehaviors = ["create_prorations", "none", "always_invoice"];
    private static readonly string[] PauseBehaviors = ["keep_as_draft", "mark_uncollectible", "void"];
    private static readonly string[] PaymentBehaviors = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"];
    private static readonly string[] ResumePaymentBehaviors = ["resume_on_payment_attempt", "resume_on_payment_success"];

    public static void Map(RouteTable routes)
    {
        routes.Get("/v1/subscriptions", "subscriptions", List);
        routes.Get("/v1/subscriptions/{id}", "subscriptions", r => ApiResult.Ok(Get(r).DeepClone()));
        routes.Post("/v1/subscriptions/{id}", "subscriptions", Update);
        routes.Delete("/v1/subscriptions/{id}", "subscriptions", Cancel);
        routes.Post("/v1/subscriptions/{id}/resume", "subscriptions", Resume);
    }

    private static JsonObject Get(ApiRequest r) => r.Store.Get("subscription", r.RequiredId, "subscription_exposed_id");

    private static ApiResult List(ApiRequest r)
    {
        var customer = r.Form.Get("customer");
        var price = r.Form.Get("price");
        var status = r.Form.Get("status");
        var items = r.Store.NewestFirst("subscription")
            .Where(s => customer is null || (string?)s["customer"] == customer)
            .Where(s => price is null || SubscriptionJson.Items(s).Any(i => (string?)i!["price"]!["id"] == price))
            // Stripe hides canceled subscriptions unless asked for them (or for "all").
            .Where(s => status switch
            {
                null => (string?)s["status"] != "canceled",
                "all" => true,
                _ => (string?)s["status"] == status,
            });
        return ApiResult.Ok(ListPage.Build(items, r.Form, "/v1/subscriptions", r.Store));
    }

    private static ApiResult Update(ApiRequest r)
    {
        var subscription = Get(r);
        RejectIfCanceled(subscription);
        var form = r.Form;
        var behavior = OneOf(form, "proration_behavior", ProrationBehaviors) ?? "create_prorations";
        var paymentBehavior = OneOf(form, "payment_behavior", PaymentBehaviors) ?? "allow_incomplete";
        var anchorNow = OneOf(form, "billing_cycle_anchor", ["now", "unchanged"]) == "now";
        var now = r.Account.Now();
        var prorationDate = ProrationDate(form, "proration_date", subscription, now);
        if (paymentBehavior == "pending_if_incomplete")
        {
            throw StripeApiException.Invalid("This simulator does not implement pending updates (payment_behavior=pending_if_incomplete).", null, "payment_behavior");
        }

        // Work everything out before changing anything: a 400 or a 402 must leave the subscription untouched.
        var plan = SubscriptionBilling.Plan(r.Store, subscription, SubscriptionBilling.ReadItemChanges(r, subscription, "items"), behavior, prorationDate, anchorNow, now);
        var pause = ParsePause(form);
        var trialEnd = ParseTrialEnd(form, now);
        var cancelAtPeriodEnd = form.GetBool("cancel_at_period_end");
        var customer = (string)subscription["customer"]!;
        if (plan.InvoicesNow && paymentBehavior == "error_if_incomplete"
            && SubscriptionBilling.ApplyBalance(r.Store, customer, plan.NowLines.Sum(l => JsonNumbers.Long(l["amount"]))).AmountDue > 0
            && !SubscriptionBilling.CanCharge(r.Store, customer))
        {
            throw new StripeApiException(402, "card_error", "Your card was declined.", "card_declined");
        }

        if (form.Indexes("items").Count > 0)
        {
            var items = SubscriptionJson.Items(subscription);
            items.Clear();
            foreach (var item in plan.Items)
            {
                items.Add((JsonNode)item);
            }

            subscription["items"]!["total_count"] = items.Count;
        }

        if (plan.ResetsAnchor)
        {
            subscription["billing_cycle_anchor"] = now;
        }

        // pause_collection[...] pauses; an empty pause_collection= un-pauses.
        if (pause is not null || form.Get("pause_collection") == "")
        {
            subscription["pause_collection"] = pause;
        }
        if (trialEnd is { } end)
        {
            subscription["trial_end"] = end;
            if (end > now)
            {
                subscription["trial_start"] ??= now;
                subscription["status"] = "trialing";
            }
            else if ((string?)subscription["status"] == "trialing")
            {
                subscription["status"] = "active";
            }
        }
        if (cancelAtPeriodEnd is { } atEnd)
        {
            subscription["cancel_at_period_end"] = atEnd;
            subscription["cancel_at"] = atEnd ? SubscriptionJson.Items(subscription).FirstOrDefault()?["current_period_end"]?.DeepClone() : null;
        }
        ApplyCancellationDetails(subscription, form);
        Metadata.Apply(subscription, form);

        SubscriptionBilling.AddPending(r.Store, subscription, plan.NewPending, now);
        if (plan.InvoicesNow)
        {
            var invoice = SubscriptionBilling.Issue(r.Store, subscription, plan.NowLines, plan.Swept,
                paymentBehavior == "default_incomplete" ? SubscriptionBilling.Collection.LeaveOpen : SubscriptionBilling.Collection.ChargeNow, now);
            if ((string?)invoice["status"] != "paid")
            {
                // allow_incomplete: the change stands and the subscription waits for its payment.
                subscription["status"] = "past_due";
            }
        }

        return ApiResult.Ok(subscription.DeepClone());
    }

    /// <summary>A <c>proration_date</c>: within the current period, or now when absent.</summary>
    internal static long ProrationDate(FormParams form, string name, JsonObject subscription, long now)
    {
        if (form.GetLong(name) is not { } at)
        {
            return now;
        }

        var item = SubscriptionJson.Items(subscription).OfType<JsonObject>().FirstOrDefault();
        var start = item is null ? long.MinValue : JsonNumbers.Long(item["current_period_start"]);
        var periodEnd = item is null ? long.MaxValue : JsonNumbers.Long(item["current_period_end"]);
        return at >= start && at <= periodEnd
            ? at
            : throw StripeApiException.Invalid($"The {name} must be within the current billing period of the subscription.", null, name);
    }

    private static string? OneOf(FormParams form, string name, string[] allowed)
    {
        var value = form.Get(name);
        return value is null || allowed.Contains(value)
            ? value
            : throw StripeApiException.Invalid($"Invalid {name}: must be one of {string.Join(", ", allowed)}", "parameter_invalid_string", name);
    }

    private static void ApplyCancellationDetails(JsonObject subscription, FormParams form)
    {
        foreach (var field in (string[])["comment", "feedback"])
        {
            if (form.Get($"cancellation_details[{field}]") is { } value)
            {
                subscription["cancellation_details"]![field] = value == "" ? null : value;
            }
        }
    }

    private static JsonObject? ParsePause(FormParams form)
    {
        if (!form.Has("pause_collection[behavior]"))
        {
            return null;
        }
        var behavior = form.Get("pause_collection[behavior]")!;
        if (!PauseBehaviors.Contains(behavior))
        {
            throw StripeApiException.Invalid("Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void", "parameter_invalid_string", "pause_collection[behavior]");
        }
        return new JsonObject { ["behavior"] = behavior, ["resumes_at"] = form.GetLong("pause_collection[resumes_at]") };
    }

    private static long? ParseTrialEnd(FormParams form, long now)
    {
        var raw = form.Get("trial_end");
        if (raw is null)
        {
            return null;
        }
        if (raw == "now")
        {
            return now;
        }
        if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            throw StripeApiException.Invalid($"Invalid timestamp: must be an integer Unix timestamp or \"now\".", "parameter_invalid_integer", "trial_end");
        }
        return at > now ? at : throw StripeApiException.Invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", null, "trial_end");
    }

    private static ApiResult Cancel(ApiRequest r)
    {
        var subscription = Get(r);
        RejectIfCanceled(subscription);
        var now = r.Account.Now();
        subscription["status"] = "canceled";
        subscription["canceled_at"] = now;
        subscription["ended_at"] = now;
        subscription["cancellation_details"]!["reason"] = "cancellation_requested";
        ApplyCancellationDetails(subscription, r.Form);
        return ApiResult.Ok(subscription.DeepClone());
    }

    /// <summary>
    /// Resumes a <c>paused</c> subscription. With a new billing period (<c>billing_cycle_anchor=now</c>, the default) Stripe
    /// finalizes an invoice for it at once; with <c>resume_on_payment_success</c> it charges it in this request and the
    /// subscription becomes active when paid, with <c>resume_on_payment_attempt</c> (the default) the attempt comes later.
    /// </summary>
    private static ApiResult Resume(ApiRequest r)
    {
        var subscription = Get(r);
        var status = (string)subscription["status"]!;
        if (status != "paused")
        {
            throw StripeApiException.Invalid(
                $"Subscription cannot be resumed because its status is {status}. Only subscriptions with status `paused` can be resumed.", "subscription_unexpected_state");
        }

        var anchorNow = (OneOf(r.Form, "billing_cycle_anchor", ["now", "unchanged"]) ?? "now") == "now";
        var chargeNow = (OneOf(r.Form, "payment_behavior", ResumePaymentBehaviors) ?? "resume_on_payment_attempt") == "resume_on_payment_success";
        var now = r.Account.Now();
        subscription["pause_collection"] = null;
        var lines = anchorNow ? SubscriptionBilling.ResumeLines(r.Store, subscription, now) : [];
        if (lines.Sum(l => JsonNumbers.Long(l["amount"])) <= 0)
        {
            subscription["status"] = "active";
            return ApiResult.Ok(subscription.DeepClone());
        }

        SubscriptionBilling.RestartPeriods(subscription, now);
        var swept = r.Store.NewestFirst("invoiceitem").Where(i => (string?)i["subscription"] == (string?)subscription["id"] && i["invoice"] is null).ToList();
        var invoice = SubscriptionBilling.Issue(r.Store, subscription, lines, swept,
            chargeNow ? SubscriptionBilling.Collection.ChargeNow : SubscriptionBilling.Collection.LeaveOpen, now);
        if ((string?)invoice["status"] == "paid")
        {
            subscription["status"] = "active";
        }

        return ApiResult.Ok(subscription.DeepClone());
    }

    private static void RejectIfCanceled(JsonObject subscription)
    {
        if ((string?)subscription["status"] == "canceled")
        {
            throw StripeApiException.Invalid("A canceled subscription can only update its cancellation_details and metadata.");
        }
    }
}
