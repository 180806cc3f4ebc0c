using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Money;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// The money of a subscription change, as Stripe bills it: what it charges now (held at Stripe's invoice preview before
/// the call, settled on the invoice the change created, read from Stripe's answer), and how it changes what the customer
/// pays every period (<see cref="RecurringDelta"/>).
/// </summary>
public static class SubscriptionCharges
{
    /// <summary>
    /// Whether Stripe invoices the change now (classic billing mode): <c>always_invoice</c>, or a switch to a price of another
    /// billing interval or from a free price to a paid one, which restarts the billing cycle. Anything else bills at renewal.
    /// </summary>
    public static bool InvoicesNow(string? prorationBehavior, Price before, Price after) =>
        prorationBehavior == "always_invoice"
        || before.Recurring?.Interval != after.Recurring?.Interval
        || (before.Recurring?.IntervalCount ?? 1) != (after.Recurring?.IntervalCount ?? 1)
        || ((before.UnitAmount ?? 0) == 0 && (after.UnitAmount ?? 0) > 0);

    /// <summary>
    /// Why the amounts of this price cannot be computed from its unit amount and quantity (tiered, decimal, transformed or
    /// customer-chosen amounts); null when they can.
    /// </summary>
    public static string? UnsupportedShape(Price price) => price switch
    {
        { BillingScheme: { } scheme } when scheme != "per_unit" => $"is billed '{scheme}'",
        { TransformQuantity: not null } => "transforms the quantity before billing it",
        { CustomUnitAmount: not null } => "lets the customer choose the amount",
        { UnitAmount: null } => "has no whole unit amount (a fraction of a minor unit)",
        _ => null,
    };

    /// <summary>
    /// The invoice this very request created, from Stripe's answer to it (fresh or replayed for its idempotency key): the
    /// subscription's latest invoice, when it is not the one it had before the call.
    /// </summary>
    public static Invoice? CreatedBy(Subscription answer, string? latestInvoiceBefore) =>
        answer.LatestInvoice is { } invoice && invoice.Id != latestInvoiceBefore ? invoice : null;

    /// <summary>The money a change moved: what its invoice collected or is collecting (nothing when it created none).</summary>
    public static MoneyAmount Collected(Subscription answer, Invoice? created) =>
        new(created is null ? 0 : Collecting(created, charging: created.CollectionMethod != "send_invoice"), Currency.Get(created?.Currency ?? answer.Currency));

    /// <summary>
    /// What an invoice has collected, and, while it is open and <paramref name="charging"/> (Stripe takes the payment itself),
    /// what it is still collecting: a bank debit stays processing for days and a failed payment is retried, so the money
    /// that moves later is counted now, never not at all. An invoice sent to the customer to pay counts what was paid.
    /// </summary>
    public static long Collecting(Invoice invoice, bool charging) =>
        invoice.Status == "open" && charging ? invoice.AmountPaid + invoice.AmountRemaining : invoice.AmountPaid;

    /// <summary>The result fields of a change's money: the invoice it created (or null) and what it moved now.</summary>
    public static void Describe(JsonObject result, Invoice? created, MoneyAmount collected, RecurringDelta? delta)
    {
        result["invoice"] = created is null ? null : new JsonObject
        {
            ["id"] = created.Id,
            ["status"] = created.Status,
            ["currency"] = created.Currency,
            ["total"] = created.Total,
            ["amount_due"] = created.AmountDue,
            ["amount_paid"] = created.AmountPaid,
            ["amount_remaining"] = created.AmountRemaining,
        };
        result["amount_charged"] = collected.Minor;
        result["recurring_delta"] = delta?.ToJson();
    }

    /// <summary>The output schema fields <see cref="Describe"/> writes.</summary>
    public static JsonObject WithChargeFields(JsonObject properties)
    {
        properties["invoice"] = Tools.ToolSchemas.Nullable(new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["id"] = new JsonObject { ["type"] = "string" },
                ["status"] = new JsonObject { ["type"] = "string" },
                ["currency"] = new JsonObject { ["type"] = "string" },
                ["total"] = new JsonObject { ["type"] = "integer" },
                ["amount_due"] = new JsonObject { ["type"] = "integer" },
                ["amount_paid"] = new JsonObject { ["type"] = "integer" },
                ["amount_remaining"] = new JsonObject { ["type"] = "integer" },
            },
        }, "The invoice this change made Stripe create now, or null when it bills nothing before the next renewal");
        properties["amount_charged"] = new JsonObject
        {
            ["type"] = "integer",
            ["description"] = "Minor units Stripe collected for this change now (what counts against budgets)",
        };
        properties["recurring_delta"] = Tools.ToolSchemas.Nullable(RecurringDeltaSchema(), "How much more (negative: less) the subscription now bills every period");
        return properties;
    }

    /// <summary>The schema of <see cref="RecurringDelta.ToJson"/>.</summary>
    public static JsonObject RecurringDeltaSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "How much more (negative: less) the subscription now bills every period, in minor units of its currency",
        ["properties"] = new JsonObject
        {
            ["amount"] = new JsonObject { ["type"] = "integer" },
            ["currency"] = new JsonObject { ["type"] = "string" },
            ["interval"] = new JsonObject { ["type"] = "string" },
            ["interval_count"] = new JsonObject { ["type"] = "integer" },
        },
    };

    /// <summary>
    /// How much more the subscription bills per period of its new price. Exact between the same kind of periods (months and
    /// years; days and weeks); across kinds (weeks to months) the old amount is counted at the least it could come to over
    /// the new period, so an increase is never understated.
    /// </summary>
    public static RecurringDelta Delta(Price beforePrice, long beforeQuantity, Price afterPrice, long afterQuantity)
    {
        var before = (beforePrice.UnitAmount ?? 0) * beforeQuantity;
        var after = (afterPrice.UnitAmount ?? 0) * afterQuantity;
        var from = Period(beforePrice);
        var to = Period(afterPrice);
        var beforeInNewPeriod = Scale(before, from, to);
        return new RecurringDelta(after - beforeInNewPeriod, Currency.Get(afterPrice.Currency), to.Interval, to.Count);
    }

    private static (string Interval, long Count) Period(Price price) => (price.Recurring?.Interval ?? "month", price.Recurring?.IntervalCount ?? 1);

    private static long Scale(long amount, (string Interval, long Count) from, (string Interval, long Count) to)
    {
        if (from == to)
        {
            return amount;
        }

        var (fromUnit, fromLength) = Length(from);
        var (toUnit, toLength) = Length(to);
        if (fromUnit == toUnit)
        {
            return (long)((Int128)amount * toLength / fromLength);
        }

        // Months against days: a month is 28 to 31 days. The old amount over the new period, at its least.
        return fromUnit == "day"
            ? (long)((Int128)amount * (toLength * 28) / fromLength)
            : (long)((Int128)amount * toLength / (fromLength * 31));
    }

    private static (string Unit, long Length) Length((string Interval, long Count) period) => period.Interval switch
    {
        "day" => ("day", period.Count),
        "week" => ("day", 7 * period.Count),
        "year" => ("month", 12 * period.Count),
        _ => ("month", period.Count),
    };

    /// <summary>Reads a prepared field written by a tool's resolve step: a string, or null.</summary>
    public static string? Text(JsonObject? prepared, string name) => prepared?[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>Reads a prepared number, or null.</summary>
    public static long? Number(JsonObject? prepared, string name) => JsonNumbers.TryGetInt64(prepared?[name], out var n) ? n : null;
}
