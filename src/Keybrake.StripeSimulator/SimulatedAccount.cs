using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.Resources;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator;

/// <summary>
/// The simulated Stripe account: thread-safe state with seeding and read-back helpers, in memory, or in a file shared by
/// every process that opens it (<see cref="SimulatorOptions.StatePath"/>).
/// </summary>
public sealed class SimulatedAccount
{
    private readonly TimeProvider _time;
    private readonly StateFile? _file;
    private int _depth;

    internal SimulatedAccount(TimeProvider? time = null, StateFile? file = null)
    {
        _time = time ?? TimeProvider.System;
        _file = file;
    }

    internal ObjectStore Store { get; } = new();

    internal long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>
    /// Runs <paramref name="action"/> on the account atomically: under its lock and, for an account kept in a file, in one
    /// transaction of that file on the objects as every process last left them. Nested calls join the outer one.
    /// </summary>
    internal T Run<T>(Func<T> action)
    {
        lock (Store.Gate)
        {
            if (_file is null || _depth > 0)
            {
                return action();
            }

            _depth++;
            try
            {
                return _file.Transact(Store, action);
            }
            finally
            {
                _depth--;
            }
        }
    }

    /// <summary>Runs several changes as one (seeding a whole account, say): one transaction of its file.</summary>
    public void Batch(Action changes) => Run(() =>
    {
        changes();
        return true;
    });

    /// <summary>Whether an object with this id exists (any kind).</summary>
    public bool Exists(string id) => Run(() => Store.FindAny(id) is not null);

    public string AddCustomer(string? id = null, string? email = null, string? name = null)
    {
        return Run(() =>
        {
            var customer = CustomerJson.Create(id ?? StripeIds.New("cus", 14), email, name, Now());
            Store.Add(customer);
            return (string)customer["id"]!;
        });
    }

    /// <summary>A confirmed card payment: succeeded with a captured charge, or requires_capture with an authorised one.</summary>
    public string AddPaymentIntent(string customer, long amount, string currency, bool manualCapture = false, string? id = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        return Run(() =>
        {
            RequireCustomer(customer);
            var intent = PaymentIntentJson.Create(id ?? StripeIds.New("pi"), amount, currency.ToLowerInvariant(), customer, manualCapture, null, Now());
            Store.Add(intent);
            PaymentFlows.Confirm(Store, intent, Now());
            return (string)intent["id"]!;
        });
    }

    /// <summary>A price with its own product; <paramref name="interval"/> null makes a one-time price.</summary>
    public string AddPrice(long unitAmount, string currency, string? interval = "month", string? id = null, string? nickname = null, string? product = null)
    {
        return Run(() =>
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
        });
    }

    /// <summary>
    /// A graduated tiered price (<c>billing_scheme=tiered</c>, no unit amount): first <paramref name="firstTierUpTo"/> units at
    /// <paramref name="firstTierUnitAmount"/>, the rest at <paramref name="restUnitAmount"/>. Enough of one for a tool to see its shape.
    /// </summary>
    public string AddTieredPrice(string currency, long firstTierUpTo, long firstTierUnitAmount, long restUnitAmount, string? id = null) => Run(() =>
    {
        var now = Now();
        var product = ProductJson.Create(StripeIds.New("prod", 14), "Tiered product", now);
        Store.Add(product);
        var price = PriceJson.Create(id ?? StripeIds.New("price"), (string)product["id"]!, 0, currency.ToLowerInvariant(), "month", "Tiered", now);
        price["billing_scheme"] = "tiered";
        price["tiers_mode"] = "graduated";
        price["unit_amount"] = null;
        price["unit_amount_decimal"] = null;
        price["tiers"] = new JsonArray(
            new JsonObject { ["flat_amount"] = null, ["unit_amount"] = firstTierUnitAmount, ["up_to"] = firstTierUpTo },
            new JsonObject { ["flat_amount"] = null, ["unit_amount"] = restUnitAmount, ["up_to"] = null });
        Store.Add(price);
        return (string)price["id"]!;
    });

    /// <summary>A subscription with one item, active by default (status may be e.g. "trialing", "past_due", "paused"); <paramref name="trialEnd"/> starts its trial now.</summary>
    public string AddSubscription(string customer, string price, long quantity = 1, string? id = null, string status = "active", DateTimeOffset? trialEnd = null)
    {
        return Run(() =>
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
        });
    }

    public string AddInvoice(string customer, long amountDue, string currency, string status = "open", string? subscription = null, string? id = null)
    {
        return Run(() =>
        {
            var customerObj = RequireCustomer(customer);
            var now = Now();
            var line = InvoiceJson.Line(amountDue, currency.ToLowerInvariant(), "Simulated charge", 1, now, now, null, null, null);
            var invoice = InvoiceJson.Create(id ?? StripeIds.New("in"), customerObj, currency.ToLowerInvariant(), status, subscription, [line], now);
            Store.Add(invoice);
            return (string)invoice["id"]!;
        });
    }

    public string AddPaymentMethod(string customer, string brand = "visa", string last4 = "4242", int expMonth = 12, int expYear = 2034)
    {
        return Run(() =>
        {
            RequireCustomer(customer);
            return (string)PaymentFlows.NewCard(Store, customer, Now(), brand, last4, expMonth, expYear)["id"]!;
        });
    }

    /// <summary>A US bank account for ACH Direct Debit: an invoice charged to it stays open while its payment is processing.</summary>
    public string AddBankAccount(string customer, string last4 = "6789")
    {
        return Run(() =>
        {
            RequireCustomer(customer);
            var pm = PaymentMethodJson.BankAccount(StripeIds.New("pm"), customer, last4, Now());
            Store.Add(pm);
            return (string)pm["id"]!;
        });
    }

    /// <summary>Makes <paramref name="paymentMethod"/> the card the customer's invoices are charged to (a card ending 0341 declines).</summary>
    public void SetDefaultPaymentMethod(string customer, string paymentMethod)
    {
        Run(() =>
        {
            RequireCustomer(customer)["invoice_settings"]!["default_payment_method"] = paymentMethod;
            return true;
        });
    }

    /// <summary>Sets the customer's balance in minor units; negative is credit that Stripe applies to the next invoices.</summary>
    public void SetBalance(string customer, long balance)
    {
        Run(() =>
        {
            RequireCustomer(customer)["balance"] = balance;
            return true;
        });
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

    private JsonObject? Copy(string kind, string id) => Run(() => Store.Find(kind, id) is { } obj ? JsonNumbers.Detached(obj) : null);

    private IReadOnlyList<JsonObject> Snapshot(string kind) => Run<IReadOnlyList<JsonObject>>(() => [.. Store.NewestFirst(kind).Select(JsonNumbers.Detached)]);
}
