using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator;

/// <summary>The simulated Stripe account: thread-safe in-memory state with seeding and read-back helpers.</summary>
public sealed class SimulatedAccount
{
    private readonly TimeProvider _time;

    internal SimulatedAccount(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    internal ObjectStore Store { get; } = new();

    internal long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    public string AddCustomer(string? id = null, string? email = null, string? name = null)
    {
        lock (Store.Gate)
        {
            var customer = CustomerJson.Create(id ?? StripeIds.New("cus", 14), email, name, Now());
            Store.Add(customer);
            return (string)customer["id"]!;
        }
    }

    /// <summary>A confirmed card payment: succeeded with a captured charge, or requires_capture with an authorised one.</summary>
    public string AddPaymentIntent(string customer, long amount, string currency, bool manualCapture = false, string? id = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        lock (Store.Gate)
        {
            RequireCustomer(customer);
            var intent = PaymentIntentJson.Create(id ?? StripeIds.New("pi"), amount, currency.ToLowerInvariant(), customer, manualCapture, null, Now());
            Store.Add(intent);
            PaymentFlows.Confirm(Store, intent, Now());
            return (string)intent["id"]!;
        }
    }

    /// <summary>A price with its own product; <paramref name="interval"/> null makes a one-time price.</summary>
    public string AddPrice(long unitAmount, string currency, string? interval = "month", string? id = null, string? nickname = null, string? product = null)
    {
        lock (Store.Gate)
        {
            var now = Now();
            if (product is null || Store.Find("product", product) is null)
            {
                var created = ProductJson.Create(product ?? StripeIds.New("prod", 14), nickname ?? "Simulated product", now);
                Store.Add(created);
                product = (string)created["id"]!;
            }
            var price = PriceJson.Create(id ?? StripeIds.New("price"), product, unitAmount, currency.ToLowerInvariant(), interval, nickname, now);
            Store.Add(price);
            return (string)price["id"]!;
        }
    }

    /// <summary>A subscription with one item, active by default (status may be e.g. "trialing", "past_due", "paused"); <paramref name="trialEnd"/> starts its trial now.</summary>
    public string AddSubscription(string customer, string price, long quantity = 1, string? id = null, string status = "active", DateTimeOffset? trialEnd = null)
    {
        lock (Store.Gate)
        {
            RequireCustomer(customer);
            var priceObj = Store.Find("price", price) ?? throw new ArgumentException($"No such price: '{price}'", nameof(price));
            var now = Now();
            var subscription = SubscriptionJson.Create(id ?? StripeIds.New("sub"), customer, (string)priceObj["currency"]!, status, now);
            SubscriptionJson.AddItem(subscription, SubscriptionJson.CreateItem(StripeIds.New("si", 14), (string)subscription["id"]!, priceObj, quantity, now));
            if (trialEnd is { } end)
            {
                subscription["trial_start"] = now;
                subscription["trial_end"] = end.ToUnixTimeSeconds();
            }
            Store.Add(subscription);
            return (string)subscription["id"]!;
        }
    }

    public string AddInvoice(string customer, long amountDue, string currency, string status = "open", string? subscription = null, string? id = null)
    {
        lock (Store.Gate)
        {
            var customerObj = RequireCustomer(customer);
            var now = Now();
            var line = InvoiceJson.Line(amountDue, currency.ToLowerInvariant(), "Simulated charge", 1, now, now, null, null, null);
            var invoice = InvoiceJson.Create(id ?? StripeIds.New("in"), customerObj, currency.ToLowerInvariant(), status, subscription, [line], now);
            Store.Add(invoice);
            return (string)invoice["id"]!;
        }
    }

    public string AddPaymentMethod(string customer, string brand = "visa", string last4 = "4242", int expMonth = 12, int expYear = 2034)
    {
        lock (Store.Gate)
        {
            RequireCustomer(customer);
            return (string)PaymentFlows.NewCard(Store, customer, Now(), brand, last4, expMonth, expYear)["id"]!;
        }
    }

    /// <summary>Makes <paramref name="paymentMethod"/> the card the customer's invoices are charged to (a card ending 0341 declines).</summary>
    public void SetDefaultPaymentMethod(string customer, string paymentMethod)
    {
        lock (Store.Gate)
        {
            RequireCustomer(customer)["invoice_settings"]!["default_payment_method"] = paymentMethod;
        }
    }

    /// <summary>Sets the customer's balance in minor units; negative is credit that Stripe applies to the next invoices.</summary>
    public void SetBalance(string customer, long balance)
    {
        lock (Store.Gate)
        {
            RequireCustomer(customer)["balance"] = balance;
        }
    }

    /// <summary>Every refund, newest first, as JSON copies.</summary>
    public IReadOnlyList<JsonObject> GetRefunds() => Snapshot("refund");

    public IReadOnlyList<JsonObject> GetCharges() => Snapshot("charge");

    public IReadOnlyList<JsonObject> GetInvoices() => Snapshot("invoice");

    public JsonObject? GetPaymentIntent(string id) => Copy("payment_intent", id);

    public JsonObject? GetCharge(string id) => Copy("charge", id);

    public JsonObject? GetSubscription(string id) => Copy("subscription", id);

    public JsonObject? GetInvoice(string id) => Copy("invoice", id);

    public JsonObject? GetCustomer(string id) => Copy("customer", id);

    private JsonObject RequireCustomer(string customer) =>
        Store.Find("customer", customer) ?? throw new ArgumentException($"No such customer: '{customer}'", nameof(customer));

    private JsonObject? Copy(string kind, string id)
    {
        lock (Store.Gate)
        {
            return Store.Find(kind, id) is { } obj ? JsonNumbers.Detached(obj) : null;
        }
    }

    private IReadOnlyList<JsonObject> Snapshot(string kind)
    {
        lock (Store.Gate)
        {
            return [.. Store.NewestFirst(kind).Select(JsonNumbers.Detached)];
        }
    }
}
