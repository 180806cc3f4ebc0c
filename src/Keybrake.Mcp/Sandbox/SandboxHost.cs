using System.Security.Cryptography;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;
using Simulator = Keybrake.StripeSimulator.StripeSimulator;

namespace Keybrake.Mcp.Sandbox;

/// <summary>
/// The embedded Stripe account behind <c>serve --sandbox</c>: the test double started in-process on loopback over one
/// simulated account kept in a file beside the sandbox ledger (<see cref="StatePath"/>), which every sandbox process on the
/// machine shares and which survives restarts; seeded once, with one simulated key per role holding exactly the
/// permissions <c>keys plan</c> prints. Only an explicit flag starts it.
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
        var simulator = await Simulator.StartAsync(new Keybrake.StripeSimulator.SimulatorOptions { StatePath = StatePath(cli.DatabasePath) }, ct);
        var seeded = SandboxSeed.Seed(simulator.Account, manifests);
        // The same keys in every process of this account: a request one server sent with an idempotency key is replayed,
        // not done again, when another process (or the same agent after a restart) sends it again.
        var secret = simulator.AccountValue("key_secret", () => RandomNumberGenerator.GetHexString(32, lowercase: true));
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal) { [StripeConnection.ApiBaseVariable] = simulator.BaseUrl.ToString() };
        // Roles that share a key variable share the key, so it gets the union of their plans.
        foreach (var group in manifests.Roles.Values.GroupBy(r => r.Stripe.KeyEnv, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var mode = group.Any(r => r.Stripe.Mode == StripeMode.Live) ? "live" : "test";
            var key = $"rk_{mode}_sandbox{Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(group.Key)))[..24]}";
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
        error.WriteLine($"SANDBOX: simulated Stripe API at {ApiBase}, account {StatePath(Cli.DatabasePath)} (shared by every sandbox process; 'keybrake-mcp sandbox reset' starts it over)");
        error.WriteLine($"SANDBOX: ledger {Cli.DatabasePath} (not the real ledger)");
        error.WriteLine($"SANDBOX: {Seeded.Customers.Count} customers ({string.Join(", ", Seeded.Customers)}), payments {First(Seeded.PaidPaymentIntents)}, " +
                        $"authorisations {First(Seeded.UncapturedPaymentIntents)}, prices {string.Join(", ", Seeded.Prices)}, " +
                        $"subscriptions {First(Seeded.Subscriptions)}, open invoices {First(Seeded.OpenInvoices)}, drafts {First(Seeded.DraftInvoices)}");
    }

    /// <summary>The file of the sandbox's simulated account, beside its ledger: <c>keybrake-sandbox-stripe.db</c>.</summary>
    public static string StatePath(string sandboxLedger) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sandboxLedger)) ?? ".", Path.GetFileNameWithoutExtension(sandboxLedger) + "-stripe.db");

    private static string First(IReadOnlyList<string> ids) => ids.Count <= 2 ? string.Join(", ", ids) : $"{ids[0]}, {ids[1]}, ... ({ids.Count})";

    public ValueTask DisposeAsync() => _simulator.DisposeAsync();
}
