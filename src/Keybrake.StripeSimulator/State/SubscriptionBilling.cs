using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Http;
using Keybrake.StripeSimulator.Resources;

namespace Keybrake.StripeSimulator.State;

/// <summary>One item change of a subscription update or of its preview (<c>items[n]</c>).</summary>
internal sealed record ItemChange(string? ItemId, JsonObject? Price, long? Quantity, bool Deleted);

/// <summary>What a subscription change bills, worked out before anything changes: the update and its preview share it.</summary>
internal sealed class BillingPlan
{
    /// <summary>The items after the change (copies), with new periods when the billing cycle restarts.</summary>
    public required List<JsonObject> Items { get; init; }

    /// <summary>The billing cycle restarts now (classic billing mode: another interval, free to paid, or asked for).</summary>
    public required bool ResetsAnchor { get; init; }

    /// <summary>The change is invoiced now (and collected, for charge_automatically).</summary>
    public required bool InvoicesNow { get; init; }

    /// <summary>The lines of the invoice created now, when <see cref="InvoicesNow"/>.</summary>
    public required List<JsonObject> NowLines { get; init; }

    /// <summary>Prorations left pending for the next invoice (create_prorations without an invoice now).</summary>
    public required List<JsonObject> NewPending { get; init; }

    /// <summary>Pending invoice items the invoice created now takes along.</summary>
    public required List<JsonObject> Swept { get; init; }
}

/// <summary>
/// Stripe's billing of subscription changes in classic billing mode (what this simulator's subscriptions use), as the API
/// reference describes it: a change of price or quantity is prorated to the second over the rest of the period
/// (a credit for the unused old plan, a charge for the new); <c>create_prorations</c> leaves the prorations pending for
/// the next invoice; <c>always_invoice</c> invoices and collects them now; a switch to another billing interval, or from
/// free to paid, restarts the billing cycle now and invoices at once (the credit, unless <c>none</c>, and the whole new
/// period). Collection: the customer's default card is charged; a card ending 0341 declines (Stripe's test card).
/// </summary>
internal static class SubscriptionBilling
{
    public static BillingPlan Plan(ObjectStore store, JsonObject subscription, IReadOnlyList<ItemChange> changes, string behavior, long prorationDate,
        bool anchorNow, long now)
    {
        var currency = (string)subscription["currency"]!;
        var subscriptionId = (string)subscription["id"]!;
        var items = SubscriptionJson.Items(subscription).OfType<JsonObject>().Select(i => i.DeepClone().AsObject()).ToList();
        // Free to paid is about prices (a paid price at quantity 0 going to 1 is not: Stripe does not restart the cycle).
        var freeBefore = items.All(i => JsonNumbers.Long(i["price"]!["unit_amount"]) == 0);
        var credits = new List<JsonObject>();
        var charges = new List<JsonObject>();
        var otherInterval = false;
        foreach (var change in changes)
        {
            var item = change.ItemId is null ? null : items.First(i => (string?)i["id"] == change.ItemId);
            if (item is null)
            {
                // An added item starts its own period now; it is billed with the next invoice.
                items.Add(SubscriptionJson.CreateItem(StripeIds.New("si", 14), subscriptionId, change.Price!, change.Quantity ?? 1, now));
                continue;
            }

            if (change.Deleted)
            {
                items.Remove(item);
                continue;
            }

            var old = item.DeepClone().AsObject();
            if (change.Price is { } price)
            {
                SubscriptionJson.SetPrice(item, price);
            }

            if (change.Quantity is { } quantity)
            {
                item["quantity"] = quantity;
            }

            otherInterval |= !SameInterval(old, item);
            if (behavior != "none" && PeriodAmount(old) != PeriodAmount(item))
            {
                var (credit, charge) = Prorations(old, item, prorationDate, currency, subscriptionId);
                credits.AddRange(credit);
                charges.AddRange(charge);
            }
        }

        var resets = anchorNow || otherInterval || (freeBefore && items.Any(i => JsonNumbers.Long(i["price"]!["unit_amount"]) > 0));
        var pending = Pending(store, subscriptionId);
        if (resets)
        {
            // The unused time of the old plan is credited; every item starts a whole new period now and is billed for it.
            var lines = new List<JsonObject>(credits);
            foreach (var item in items)
            {
                var price = (JsonObject)item["price"]!;
                var end = PriceJson.PeriodEnd(price, now);
                item["current_period_start"] = now;
                item["current_period_end"] = end;
                item["billed_until"] = end;
                lines.Add(PeriodLine(item, now, end, currency, subscriptionId));
            }

            // Classic mode leaves pending items out of a reset's invoice under always_invoice (they wait for the next one).
            var swept = behavior == "always_invoice" ? [] : pending;
            return new BillingPlan
            {
                Items = items, ResetsAnchor = true, InvoicesNow = true, NowLines = [.. lines, .. swept.Select(LineOf)], NewPending = [], Swept = swept,
            };
        }

        var prorations = credits.Concat(charges).ToList();
        if (behavior == "always_invoice" && prorations.Count > 0)
        {
            return new BillingPlan
            {
                Items = items, ResetsAnchor = false, InvoicesNow = true, NowLines = [.. prorations, .. pending.Select(LineOf)], NewPending = [], Swept = pending,
            };
        }

        return new BillingPlan
        {
            Items = items, ResetsAnchor = false, InvoicesNow = false, NowLines = [], NewPending = behavior == "create_prorations" ? prorations : [], Swept = [],
        };
    }

    /// <summary>The lines of the invoice a resume with a new billing period creates: every item for a whole period from now.</summary>
    public static List<JsonObject> ResumeLines(ObjectStore store, JsonObject subscription, long now)
    {
        var currency = (string)subscription["currency"]!;
        var subscriptionId = (string)subscription["id"]!;
        var lines = SubscriptionJson.Items(subscription).OfType<JsonObject>()
            .Select(item => PeriodLine(item, now, PriceJson.PeriodEnd((JsonObject)item["price"]!, now), currency, subscriptionId))
            .ToList();
        return [.. lines, .. Pending(store, subscriptionId).Select(LineOf)];
    }

    /// <summary>Restarts every item's period now (a resume with <c>billing_cycle_anchor=now</c>).</summary>
    public static void RestartPeriods(JsonObject subscription, long now)
    {
        foreach (var item in SubscriptionJson.Items(subscription).OfType<JsonObject>())
        {
            var end = PriceJson.PeriodEnd((JsonObject)item["price"]!, now);
            item["current_period_start"] = now;
            item["current_period_end"] = end;
            item["billed_until"] = end;
        }

        subscription["billing_cycle_anchor"] = now;
    }

    /// <summary>The next regular invoice after the change: pending items, this change's prorations, the next period.</summary>
    public static List<JsonObject> NextRenewalLines(ObjectStore store, JsonObject subscription, BillingPlan plan)
    {
        var currency = (string)subscription["currency"]!;
        var subscriptionId = (string)subscription["id"]!;
        var next = plan.Items.Select(item =>
        {
            var start = JsonNumbers.Long(item["current_period_end"]);
            return PeriodLine(item, start, PriceJson.PeriodEnd((JsonObject)item["price"]!, start), currency, subscriptionId);
        });
        return [.. Pending(store, subscriptionId).Select(LineOf), .. plan.NewPending, .. next];
    }

    /// <summary>Whether the customer's default card can be charged now (a card ending 0341 declines, as Stripe's test card does).</summary>
    public static bool CanCharge(ObjectStore store, string customerId)
    {
        var customer = store.Find("customer", customerId);
        var card = store.Find("payment_method", (string?)customer?["invoice_settings"]?["default_payment_method"]);
        return (string?)card?["card"]?["last4"] != "0341";
    }

    /// <summary>Whether the customer's default payment method is a bank debit, whose payments are processing for days.</summary>
    public static bool IsDebit(ObjectStore store, string customerId)
    {
        var customer = store.Find("customer", customerId);
        return (string?)store.Find("payment_method", (string?)customer?["invoice_settings"]?["default_payment_method"])?["type"] == "us_bank_account";
    }

    /// <summary>The customer's credit balance applied to an invoice total: (amount due, balance after). Negative balance is credit.</summary>
    public static (long AmountDue, long BalanceAfter) ApplyBalance(ObjectStore store, string customerId, long total)
    {
        var balance = JsonNumbers.Long(store.Find("customer", customerId)?["balance"] ?? 0);
        if (total <= 0)
        {
            // A net credit goes to the customer's balance; nothing is refunded.
            return (0, balance + total);
        }

        var credit = Math.Min(total, Math.Max(0, -balance));
        return (total - credit, balance + credit);
    }

    /// <summary>How an invoice created by a subscription change is paid.</summary>
    public enum Collection
    {
        /// <summary>Charge the customer's card now (allow_incomplete, resume_on_payment_success).</summary>
        ChargeNow,

        /// <summary>Finalize it and leave it open (default_incomplete; a resume's later attempt).</summary>
        LeaveOpen,
    }

    /// <summary>
    /// Creates the invoice of a subscription change, finalized, collects it as asked, applies the customer's balance, takes
    /// the swept pending items off the pending list, and points the subscription's <c>latest_invoice</c> at it.
    /// </summary>
    public static JsonObject Issue(ObjectStore store, JsonObject subscription, List<JsonObject> lines, IReadOnlyList<JsonObject> swept,
        Collection collection, long now)
    {
        var customerId = (string)subscription["customer"]!;
        var customer = store.Find("customer", customerId)!;
        var id = StripeIds.New("in");
        var invoice = InvoiceJson.Create(id, customer, (string)subscription["currency"]!, "open", (string)subscription["id"]!, lines, now);
        invoice["billing_reason"] = "subscription_update";
        // A copy of the subscription's metadata when the invoice was created, as Stripe keeps it.
        invoice["parent"]!["subscription_details"]!["metadata"] = subscription["metadata"]!.DeepClone();
        var total = JsonNumbers.Long(invoice["total"]);
        var (due, balanceAfter) = ApplyBalance(store, customerId, total);
        invoice["starting_balance"] = customer["balance"]!.DeepClone();
        invoice["ending_balance"] = balanceAfter;
        invoice["amount_due"] = due;
        invoice["amount_remaining"] = due;
        customer["balance"] = balanceAfter;
        // A bank debit is attempted but not paid: the invoice stays open, its payment processing (not failed: Stripe's
        // error_if_incomplete lets it through), until the bank settles days later.
        var processing = due > 0 && collection == Collection.ChargeNow && IsDebit(store, customerId);
        var paid = due == 0 || (collection == Collection.ChargeNow && !processing && CanCharge(store, customerId));
        if (collection == Collection.ChargeNow && due > 0)
        {
            invoice["attempted"] = true;
            invoice["attempt_count"] = 1;
        }

        if (paid)
        {
            invoice["status"] = "paid";
            invoice["amount_paid"] = due;
            invoice["amount_remaining"] = 0;
            invoice["auto_advance"] = false;
            invoice["status_transitions"]!["paid_at"] = now;
        }

        foreach (var item in swept)
        {
            item["invoice"] = id;
        }

        store.Add(invoice);
        subscription["latest_invoice"] = id;
        return invoice;
    }

    /// <summary>Stores prorations as pending invoice items of the subscription, for its next invoice.</summary>
    public static void AddPending(ObjectStore store, JsonObject subscription, IEnumerable<JsonObject> prorations, long now)
    {
        foreach (var line in prorations)
        {
            store.Add(new JsonObject
            {
                ["id"] = StripeIds.New("ii"),
                ["object"] = "invoiceitem",
                ["amount"] = line["amount"]!.DeepClone(),
                ["currency"] = line["currency"]!.DeepClone(),
                ["customer"] = subscription["customer"]!.DeepClone(),
                ["date"] = now,
                ["description"] = line["description"]!.DeepClone(),
                ["invoice"] = null,
                ["livemode"] = false,
                ["metadata"] = new JsonObject(),
                ["period"] = line["period"]!.DeepClone(),
                ["proration"] = true,
                ["quantity"] = line["quantity"]?.DeepClone(),
                ["subscription"] = subscription["id"]!.DeepClone(),
                ["subscription_item"] = line["parent"]?["subscription_item_details"]?["subscription_item"]?.DeepClone(),
                ["line"] = line.DeepClone(),
            });
        }
    }

    /// <summary>The recurring amount of an item per its period: unit amount times quantity.</summary>
    public static long PeriodAmount(JsonObject item) => JsonNumbers.Long(item["price"]!["unit_amount"]) * JsonNumbers.Long(item["quantity"]);

    private static List<JsonObject> Pending(ObjectStore store, string subscriptionId) =>
        [.. store.NewestFirst("invoiceitem").Where(i => (string?)i["subscription"] == subscriptionId && i["invoice"] is null).Reverse()];

    private static JsonObject LineOf(JsonObject invoiceItem) => invoiceItem["line"]!.DeepClone().AsObject();

    private static bool SameInterval(JsonObject a, JsonObject b) =>
        (string?)a["price"]!["recurring"]?["interval"] == (string?)b["price"]!["recurring"]?["interval"]
        && JsonNumbers.Long(a["price"]!["recurring"]?["interval_count"] ?? 1) == JsonNumbers.Long(b["price"]!["recurring"]?["interval_count"] ?? 1);

    private static JsonObject PeriodLine(JsonObject item, long start, long end, string currency, string subscription)
    {
        var price = (JsonObject)item["price"]!;
        var quantity = JsonNumbers.Long(item["quantity"]);
        return InvoiceJson.Line(PeriodAmount(item), currency, $"{quantity} × {price["nickname"] ?? price["product"]}",
            quantity, start, end, price, subscription, (string?)item["id"]);
    }

    /// <summary>Credit for the old plan's unused time and charge for the new plan's, from <paramref name="at"/> to the period end.</summary>
    private static (List<JsonObject> Credit, List<JsonObject> Charge) Prorations(JsonObject before, JsonObject after, long at, string currency, string subscription)
    {
        var start = JsonNumbers.Long(before["current_period_start"]);
        var end = JsonNumbers.Long(before["current_period_end"]);
        var from = Math.Max(at, start);
        if (end <= start || from >= end)
        {
            return ([], []);
        }

        JsonObject Line(JsonObject item, int sign, string text)
        {
            var price = (JsonObject)item["price"]!;
            var quantity = JsonNumbers.Long(item["quantity"]);
            // Integer arithmetic, rounded half away from zero, as Stripe prorates to the second.
            var full = (Int128)PeriodAmount(item) * (end - from) * 2 / (end - start);
            var amount = sign * (long)((full + 1) / 2);
            var line = InvoiceJson.Line(amount, currency, $"{text} {quantity} × {price["nickname"] ?? price["product"]}",
                quantity, from, end, price, subscription, (string?)item["id"]);
            line["parent"]!["subscription_item_details"]!["proration"] = true;
            return line;
        }

        return ([Line(before, -1, "Unused time on")], [Line(after, 1, "Remaining time on")]);
    }

    /// <summary>Reads <c>items[n]</c> of a form (an update's, or a preview's <c>subscription_details[items]</c>), validated against the subscription.</summary>
    public static List<ItemChange> ReadItemChanges(ApiRequest r, JsonObject subscription, string prefix)
    {
        var changes = new List<ItemChange>();
        foreach (var n in r.Form.Indexes(prefix))
        {
            var at = $"{prefix}[{n}]";
            var itemId = r.Form.Get(at + "[id]");
            var priceId = r.Form.Get(at + "[price]");
            var quantity = r.Form.GetLong(at + "[quantity]");
            if (quantity is < 0)
            {
                throw StripeApiException.Invalid("This value must be greater than or equal to 0.", "parameter_invalid_integer", at + "[quantity]");
            }

            var price = priceId is null ? null : r.Store.GetParam("price", priceId, at + "[price]");
            if (price is not null)
            {
                if ((string?)price["type"] != "recurring")
                {
                    throw StripeApiException.Invalid("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", null, at + "[price]");
                }

                if ((string?)price["currency"] != (string?)subscription["currency"])
                {
                    throw StripeApiException.Invalid(
                        $"The price specified uses currency `{price["currency"]}`, which does not match the subscription's currency `{subscription["currency"]}`.", null, at + "[price]");
                }
            }

            if (itemId is null)
            {
                changes.Add(new ItemChange(null, price ?? throw StripeApiException.Missing(at + "[price]"), quantity, false));
                continue;
            }

            _ = SubscriptionJson.Items(subscription).OfType<JsonObject>().FirstOrDefault(i => (string?)i["id"] == itemId)
                ?? throw StripeApiException.NoSuchObject("subscription_item", itemId, at + "[id]", 400);
            changes.Add(new ItemChange(itemId, price, quantity, r.Form.GetBool(at + "[deleted]") == true));
        }

        return changes;
    }
}
