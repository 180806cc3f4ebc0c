using Keybrake.Mcp.Manifests;
using Keybrake.StripeSimulator;

namespace Keybrake.Mcp.Sandbox;

/// <summary>What the sandbox account was seeded with, for the start-up banner and for tests.</summary>
public sealed record SandboxSummary(
    IReadOnlyList<string> Customers,
    IReadOnlyList<string> PaidPaymentIntents,
    IReadOnlyList<string> UncapturedPaymentIntents,
    IReadOnlyList<string> Prices,
    IReadOnlyList<string> Subscriptions,
    IReadOnlyList<string> OpenInvoices,
    IReadOnlyList<string> DraftInvoices);

/// <summary>
/// Seeds the simulated account of <c>serve --sandbox</c> so every shipped role has something to act on: the customers
/// the manifests scope to (with their exact ids), payments, authorisations, the allowed prices, subscriptions and invoices.
/// The account outlives the process, so seeding adds only what it lacks: a customer a manifest names later gets its
/// records then, and nothing an agent changed is seeded over.
/// </summary>
public static class SandboxSeed
{
    /// <summary>Every name says it is simulated, so a screenshot of a sandbox session cannot pass for a real account.</summary>
    public const string Label = "[SANDBOX]";

    private static readonly (string Id, string Name)[] Demo =
    [
        ("cus_SandboxAda01", "Ada Lovelace"),
        ("cus_SandboxGrace02", "Grace Hopper"),
        ("cus_SandboxAlan03", "Alan Turing"),
    ];

    // The seed's plans plus the $0 beta price no manifest should allow, so the allowlist's refusal can be tried.
    private static readonly (string Id, long Amount, string Nickname)[] KnownPrices =
    [
        ("price_hobby_monthly", 900, "Hobby"),
        ("price_team_monthly", 2900, "Team"),
        ("price_beta_free", 0, "Beta (free)"),
    ];

    public static SandboxSummary Seed(SimulatedAccount account, ManifestSet manifests)
    {
        SandboxSummary? summary = null;
        account.Batch(() => summary = SeedMissing(account, manifests));
        return summary!;
    }

    private static SandboxSummary SeedMissing(SimulatedAccount account, ManifestSet manifests)
    {
        var customers = Demo.ToList();
        foreach (var id in manifests.Roles.Values.SelectMany(r => r.Customers ?? []).Distinct().Order(StringComparer.OrdinalIgnoreCase))
        {
            if (customers.All(c => c.Id != id))
            {
                customers.Add((id, $"Customer {id}"));
            }
        }

        var prices = SeedPrices(account, manifests);
        var pastDue = manifests.Roles.Values.Where(r => r.Tools.ContainsKey("pay_invoice")).SelectMany(r => r.Customers ?? []).ToHashSet();
        var seeded = new Seeded();
        // Numbered in seeding order: customers already in the account keep theirs, new ones continue after them.
        var next = customers.Count(c => account.Exists(c.Id)) + 1;
        foreach (var (id, name) in customers)
        {
            if (account.Exists(id))
            {
                seeded.Customers.Add(id);
                continue;
            }

            SeedCustomer(account, id, name, next++, prices, pastDue.Contains(id), seeded);
        }

        return new SandboxSummary(seeded.Customers, seeded.Paid, seeded.Uncaptured, prices, seeded.Subscriptions, seeded.Open, seeded.Drafts);
    }

    private static List<string> SeedPrices(SimulatedAccount account, ManifestSet manifests)
    {
        var prices = new List<string>();
        foreach (var (id, amount, nickname) in KnownPrices)
        {
            prices.Add(account.Exists(id) ? id : account.AddPrice(amount, "usd", id: id, nickname: $"{Label} {nickname}", product: $"prod_Sandbox{nickname.Split(' ')[0]}"));
        }

        // Prices an operator's own manifests allow must exist too, or the plan tools have nothing to switch to.
        var granted = manifests.Roles.Values.SelectMany(r => r.Tools.Values).SelectMany(g => g.Prices ?? []).Distinct().Order(StringComparer.Ordinal);
        foreach (var id in granted.Where(p => !prices.Contains(p)))
        {
            prices.Add(account.Exists(id) ? id : account.AddPrice(1500, "usd", id: id, nickname: $"{Label} {id}"));
        }

        return prices;
    }

    private static void SeedCustomer(SimulatedAccount account, string id, string name, int n, IReadOnlyList<string> prices, bool pastDue, Seeded seeded)
    {
        var slug = $"{n:00}";
        account.AddCustomer(id, $"sandbox+{id.ToLowerInvariant()}@example.com", $"{Label} {name}");
        seeded.Customers.Add(id);
        account.AddPaymentMethod(id, last4: "4242");
        seeded.Paid.Add(account.AddPaymentIntent(id, 4900 + (n * 100), "usd", id: $"pi_SandboxPaid{slug}"));
        seeded.Uncaptured.Add(account.AddPaymentIntent(id, 8900, "usd", manualCapture: true, id: $"pi_SandboxAuth{slug}"));

        var price = prices[n % 2 == 1 ? 0 : Math.Min(1, prices.Count - 1)];
        var subscription = account.AddSubscription(id, price, id: $"sub_Sandbox{slug}", status: pastDue ? "past_due" : "active");
        seeded.Subscriptions.Add(subscription);
        seeded.Open.Add(account.AddInvoice(id, 2900, "usd", "open", subscription, id: $"in_SandboxOpen{slug}"));
        if (n % 2 == 1)
        {
            seeded.Drafts.Add(account.AddInvoice(id, 1200, "usd", "draft", id: $"in_SandboxDraft{slug}"));
        }
    }

    private sealed class Seeded
    {
        public List<string> Customers { get; } = [];

        public List<string> Paid { get; } = [];

        public List<string> Uncaptured { get; } = [];

        public List<string> Subscriptions { get; } = [];

        public List<string> Open { get; } = [];

        public List<string> Drafts { get; } = [];
    }
}
