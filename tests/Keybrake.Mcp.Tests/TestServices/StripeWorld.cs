using Simulator = Keybrake.StripeSimulator.StripeSimulator;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A Stripe test double seeded with the records the tests act on, the restricted keys of the seed's roles, and
/// manifests in a temp folder that refer to those records.
/// </summary>
public sealed class StripeWorld : IAsyncDisposable
{
    public const string RefundKey = "rk_test_RefundRoleKey0000000000000001";
    public const string CaptureKey = "rk_test_CaptureRoleKey000000000000001";
    public const string PlansKey = "rk_test_PlansRoleKey00000000000000001";

    private readonly TempDirectory _dir = new();

    private StripeWorld(Simulator stripe) => Stripe = stripe;

    public Simulator Stripe { get; }

    public string ManifestsDirectory => _dir.File("tool-manifests");

    public string DatabasePath => _dir.File("keybrake.db");

    public string TempPath(string name) => _dir.File(name);

    /// <summary>In the refund and subscriptions roles' customer scope.</summary>
    public string CustomerA { get; private set; } = "";

    /// <summary>Outside every scope.</summary>
    public string CustomerOutside { get; private set; } = "";

    public string PriceHobby { get; private set; } = "";

    public string PriceTeam { get; private set; } = "";

    /// <summary>The $0 beta price no manifest allows.</summary>
    public string PriceBeta { get; private set; } = "";

    public static async Task<StripeWorld> StartAsync(string agentDayBudget = "500.00 USD")
    {
        var world = new StripeWorld(await Simulator.StartAsync());
        var stripe = world.Stripe;
        // The seed's exact scopes (shared/seeds): refunds write, reads of what refunds need; capture; subscriptions.
        stripe.RegisterKey(RefundKey, "charges:read", "customers:read", "payment_intents:read", "refunds:write");
        stripe.RegisterKey(CaptureKey, "payment_intents:write", "charges:read", "customers:read");
        stripe.RegisterKey(PlansKey, "customers:read", "products:read", "prices:read", "subscriptions:write", "subscription_items:write", "invoices:read");
        world.CustomerA = stripe.Account.AddCustomer(email: "a@example.com", name: "Ada");
        world.CustomerOutside = stripe.Account.AddCustomer(email: "z@example.com", name: "Zed");
        world.PriceHobby = stripe.Account.AddPrice(900, "usd", id: "price_hobby_monthly", nickname: "Hobby");
        world.PriceTeam = stripe.Account.AddPrice(4900, "usd", id: "price_team_monthly", nickname: "Team");
        world.PriceBeta = stripe.Account.AddPrice(0, "usd", id: "price_beta_free", nickname: "Beta");
        world.WriteManifests(agentDayBudget);
        world.AddBillingRole();
        return world;
    }

    public IReadOnlyDictionary<string, string?> Environment(int timeoutMs = 10_000) => new Dictionary<string, string?>
    {
        ["KEYBRAKE_STRIPE_API_BASE"] = Stripe.BaseUrl.ToString(),
        ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = RefundKey,
        ["KEYBRAKE_STRIPE_KEY_PAYMENT_CAPTURE"] = CaptureKey,
        ["KEYBRAKE_STRIPE_KEY_SUBSCRIPTIONS"] = PlansKey,
        ["KEYBRAKE_MANIFESTS"] = ManifestsDirectory,
        ["KEYBRAKE_DB"] = DatabasePath,
        ["KEYBRAKE_STRIPE_TIMEOUT_MS"] = timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["KEYBRAKE_STRIPE_MAX_RETRIES"] = "0",
        ["KEYBRAKE_STRIPE_RETRY_BASE_MS"] = "20",
        ["HOME"] = _dir.Path,
        ["KEYBRAKE_STRIPE_KEY_BILLING"] = BillingKey,
    };

    public string? Env(string name) => Environment().GetValueOrDefault(name);

    /// <summary>Edits one of the manifests in place (before a server starts, or to watch a live reload).</summary>
    public void EditManifest(string role, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var path = Path.Combine(ManifestsDirectory, role + ".json");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    private void WriteManifests(string agentDayBudget)
    {
        Directory.CreateDirectory(ManifestsDirectory);
        File.WriteAllText(Path.Combine(ManifestsDirectory, "support-refunds.json"), $$"""
        {
          "role": "support-refunds",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS", "mode": "test" },
          "agents": ["refund-bot", "refund-bot-2"],
          "customers": ["{{CustomerA}}"],
          "budgets": [
            { "per": "agent", "window": "day", "limit": "{{agentDayBudget}}" },
            { "per": "role", "window": "day", "limit": "2000.00 USD" }
          ],
          "rateLimits": [ { "per": "agent", "calls": 1000, "window": "minute" } ],
          "tools": {
            "get_payment_intent": {},
            "get_charge": {},
            "get_customer": {},
            "issue_refund": { "maxAmount": "200.00 USD", "reasons": ["requested_by_customer", "duplicate"] }
          }
        }
        """);
        File.WriteAllText(Path.Combine(ManifestsDirectory, "payment-capture.json"), """
        {
          "role": "payment-capture",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_PAYMENT_CAPTURE", "mode": "test" },
          "agents": ["capture-bot"],
          "budgets": [ { "per": "agent", "window": "day", "limit": "5000.00 USD" } ],
          "tools": {
            "get_payment_intent": {},
            "capture_payment_intent": { "maxAmount": "1000.00 USD" }
          }
        }
        """);
        File.WriteAllText(Path.Combine(ManifestsDirectory, "subscriptions.json"), $$"""
        {
          "role": "subscriptions",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_SUBSCRIPTIONS", "mode": "test" },
          "agents": ["plan-bot"],
          "customers": ["{{CustomerA}}"],
          "budgets": [ { "per": "agent", "window": "day", "limit": "100.00 USD" } ],
          "tools": {
            "get_subscription": {},
            "list_prices": {},
            "change_plan": { "prices": ["{{PriceHobby}}", "{{PriceTeam}}"], "prorationBehaviors": ["create_prorations", "none"], "maxQuantity": 10 },
            "preview_plan_change": { "prices": ["{{PriceHobby}}", "{{PriceTeam}}"] },
            "pause_subscription": {},
            "resume_subscription": {},
            "cancel_subscription": {},
            "extend_trial": { "maxDays": 14 },
            "update_subscription_quantity": { "maxQuantity": 10 }
          }
        }
        """);
    }

    // The billing role lives in its own manifest, so the other roles' files and tests stay as they were.
    public const string BillingKey = "rk_test_BillingRoleKey000000000000001";

    private void AddBillingRole()
    {
        // The seed's exact scopes for the billing agent (invoice lookup and retry).
        Stripe.RegisterKey(BillingKey, "customers:read", "invoices:write", "payment_intents:write", "payment_methods:read", "subscriptions:read");
        File.WriteAllText(Path.Combine(ManifestsDirectory, "billing-collections.json"), $$"""
        {
          "role": "billing-collections",
          "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_BILLING", "mode": "test" },
          "agents": ["billing-bot"],
          "customers": ["{{CustomerA}}"],
          "budgets": [ { "per": "agent", "window": "day", "limit": "300.00 USD" } ],
          "tools": {
            "get_customer": {},
            "get_invoice": {},
            "pay_invoice": { "maxAmount": "250.00 USD" },
            "finalize_invoice": {},
            "mark_invoice_uncollectible": {}
          }
        }
        """);
    }

    public async ValueTask DisposeAsync()
    {
        await Stripe.DisposeAsync();
        _dir.Dispose();
    }
}
