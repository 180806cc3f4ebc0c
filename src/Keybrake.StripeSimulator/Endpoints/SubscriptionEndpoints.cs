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
        var behavior = form.Get("proration_behavior");
        if (behavior is not null && !ProrationBehaviors.Contains(behavior))
        {
            throw StripeApiException.Invalid("Invalid proration_behavior: must be one of create_prorations, none, or always_invoice", "parameter_invalid_string", "proration_behavior");
        }
        var now = r.Account.Now();
        // Validate everything before changing anything: a 400 must leave the subscription untouched.
        var changes = form.Indexes("items").Select(n => PlanItemChange(r, subscription, n)).ToList();
        var pause = ParsePause(form);
        var trialEnd = ParseTrialEnd(form, now);
        var cancelAtPeriodEnd = form.GetBool("cancel_at_period_end");

        foreach (var change in changes)
        {
            change(now);
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
        return ApiResult.Ok(subscription.DeepClone());
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

    /// <summary>Validates items[n] and returns the change to apply, so a later invalid item leaves no partial update.</summary>
    private static Action<long> PlanItemChange(ApiRequest r, JsonObject subscription, int n)
    {
        var form = r.Form;
        var prefix = $"items[{n}]";
        var itemId = form.Get(prefix + "[id]");
        var priceId = form.Get(prefix + "[price]");
        var quantity = form.GetLong(prefix + "[quantity]");
        if (quantity is < 0)
        {
            throw StripeApiException.Invalid("This value must be greater than or equal to 0.", "parameter_invalid_integer", prefix + "[quantity]");
        }
        var price = priceId is null ? null : r.Store.GetParam("price", priceId, prefix + "[price]");
        if (price is not null)
        {
            if ((string?)price["type"] != "recurring")
            {
                throw StripeApiException.Invalid("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", null, prefix + "[price]");
            }
            if ((string?)price["currency"] != (string?)subscription["currency"])
            {
                throw StripeApiException.Invalid(
                    $"The price specified uses currency `{price["currency"]}`, which does not match the subscription's currency `{subscription["currency"]}`.", null, prefix + "[price]");
            }
        }
        if (itemId is null)
        {
            if (price is null)
            {
                throw StripeApiException.Missing(prefix + "[price]");
            }
            return now => SubscriptionJson.AddItem(subscription,
                SubscriptionJson.CreateItem(StripeIds.New("si", 14), (string)subscription["id"]!, price, quantity ?? 1, now));
        }
        var item = SubscriptionJson.Items(subscription).OfType<JsonObject>().FirstOrDefault(i => (string?)i["id"] == itemId)
            ?? throw StripeApiException.NoSuchObject("subscription_item", itemId, prefix + "[id]", 400);
        if (form.GetBool(prefix + "[deleted]") == true)
        {
            return _ => SubscriptionJson.RemoveItem(subscription, item);
        }
        return _ =>
        {
            if (price is not null)
            {
                SubscriptionJson.SetPrice(item, price);
            }
            if (quantity is { } q)
            {
                item["quantity"] = q;
            }
        };
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

    private static ApiResult Resume(ApiRequest r)
    {
        var subscription = Get(r);
        var status = (string)subscription["status"]!;
        if (status != "paused")
        {
            throw StripeApiException.Invalid(
                $"Subscription cannot be resumed because its status is {status}. Only subscriptions with status `paused` can be resumed.", "subscription_unexpected_state");
        }
        subscription["status"] = "active";
        subscription["pause_collection"] = null;
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
