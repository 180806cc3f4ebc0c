using System.Security.Cryptography;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;
using Simulator = Keybrake.StripeSimulator.StripeSimulator;

namespace Keybrake.Mcp.Sandbox;

/// <summary>
/// The embedded Stripe account behind <c>serve --sandbox</c>: the test double started in-process on loopback, seeded,
/// with one simulated key per role holding exactly the permissions <c>keys plan</c> prints. Only an explicit flag starts it.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    private readonly Simulator _simulator;

    private SandboxHost(Simulator simulator, CliContext cli, SandboxSummary seeded)
    {
        _simulator = simulator;
        Cli = cli;
        Seeded = seeded;
    }

    /// <summary>The context the server runs with: the simulator's API base, the sandbox keys and the sandbox ledger.</summary>
    public CliContext Cli { get; }

    public SandboxSummary Seeded { get; }

    public Uri ApiBase => _simulator.BaseUrl;

    /// <param name="cli">The command's context, whose ledger is already the sandbox's (<see cref="CliContext.Sandbox"/>).</param>
    public static async Task<SandboxHost> StartAsync(CliContext cli, ManifestSet manifests, CancellationToken ct)
    {
        var simulator = await Simulator.StartAsync(ct);
        var seeded = SandboxSeed.Seed(simulator.Account, manifests);
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal) { [StripeConnection.ApiBaseVariable] = simulator.BaseUrl.ToString() };
        // Roles that share a key variable share the key, so it gets the union of their plans.
        foreach (var group in manifests.Roles.Values.GroupBy(r => r.Stripe.KeyEnv, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var mode = group.Any(r => r.Stripe.Mode == StripeMode.Live) ? "live" : "test";
            var key = $"rk_{mode}_sandbox{RandomNumberGenerator.GetHexString(24, lowercase: true)}";
            simulator.RegisterKey(key, [.. group.SelectMany(StripePermissions.Plan).Distinct(StringComparer.Ordinal)]);
            overrides[group.Key] = key;
            if (!string.IsNullOrEmpty(cli.Environment(group.Key)))
            {
                cli.Error.WriteLine($"SANDBOX: {group.Key} is set in the environment and is IGNORED: --sandbox never uses a real Stripe key.");
            }
        }

        if (!string.IsNullOrEmpty(cli.Environment(StripeConnection.ApiBaseVariable)))
        {
            cli.Error.WriteLine($"SANDBOX: {StripeConnection.ApiBaseVariable} is set and is IGNORED: calls go to the embedded simulator.");
        }

        var environment = cli.Environment;
        var sandbox = new SandboxHost(simulator, cli with
        {
            Environment = name => overrides.TryGetValue(name, out var value) ? value : environment(name),
        }, seeded);
        sandbox.WriteBanner(cli.Error);
        return sandbox;
    }

    // Loud on purpose: whoever reads the server's log must not mistake a sandbox session for real money moving.
    private void WriteBanner(TextWriter error)
    {
        error.WriteLine("==================================================================================");
        error.WriteLine(" SANDBOX MODE: a simulated Stripe account, in this process. No real Stripe key is");
        error.WriteLine(" used and no real money moves. Every tool result carries \"sandbox\": true.");
        error.WriteLine("==================================================================================");
        error.WriteLine($"SANDBOX: simulated Stripe API at {ApiBase}");
        error.WriteLine($"SANDBOX: ledger {Cli.DatabasePath} (not the real ledger)");
        error.WriteLine($"SANDBOX: {Seeded.Customers.Count} customers ({string.Join(", ", Seeded.Customers)}), payments {First(Seeded.PaidPaymentIntents)}, " +
                        $"authorisations {First(Seeded.UncapturedPaymentIntents)}, prices {string.Join(", ", Seeded.Prices)}, " +
                        $"subscriptions {First(Seeded.Subscriptions)}, open invoices {First(Seeded.OpenInvoices)}, drafts {First(Seeded.DraftInvoices)}");
    }

    private static string First(IReadOnlyList<string> ids) => ids.Count <= 2 ? string.Join(", ", ids) : $"{ids[0]}, {ids[1]}, ... ({ids.Count})";

    public ValueTask DisposeAsync() => _simulator.DisposeAsync();
}
