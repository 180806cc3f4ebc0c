using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Sandbox;

/// <summary>
/// The sandbox behaves like one Stripe account: every sandbox process on the machine acts on the same simulated account,
/// which outlives them, until <c>keybrake-mcp sandbox reset</c>.
/// </summary>
[Trait("Category", "Process")]
public sealed class SandboxAccountTests
{
    private static Dictionary<string, object?> Args(object anonymous) =>
        JsonSerializer.SerializeToElement(anonymous).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);

    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
        ["KEYBRAKE_STRIPE_API_BASE"] = null,
    };

    [Fact]
    public async Task Two_processes_act_on_one_account_and_a_payment_is_refunded_once()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        await using var first = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox");
        await using var second = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox");

        (await first.Client.CallToolAsync("issue_refund", Args(new { payment_intent = "pi_SandboxPaid02", request_id = "a" }))).AssertSuccess();
        var again = await second.Client.CallToolAsync("issue_refund", Args(new { payment_intent = "pi_SandboxPaid02", request_id = "b" }));

        Assert.Equal("not_allowed", again.ErrorCode());
        Assert.Contains("nothing left to refund (already refunded 51.00 USD)", again.ErrorMessage());
        var charge = await second.Client.CallToolAsync("get_payment_intent", Args(new { payment_intent = "pi_SandboxPaid02" }));
        charge.AssertSuccess();
    }

    [Fact]
    public async Task The_account_outlives_its_processes_until_sandbox_reset()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        string refundedCharge;
        await using (var server = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox"))
        {
            var refund = await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = "pi_SandboxPaid01", amount = 1200 }));
            refund.AssertSuccess();
            refundedCharge = refund.Structured().GetProperty("charge").GetString()!;
        }

        await using (var restarted = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox"))
        {
            var charge = await restarted.Client.CallToolAsync("get_charge", Args(new { charge = refundedCharge }));
            charge.AssertSuccess();
            Assert.Equal(1200, charge.Structured().GetProperty("amount_refunded").GetInt64());
        }

        var reset = await BuiltTool.RunAsync(env, "sandbox", "reset");
        Assert.Equal(0, reset.ExitCode);
        Assert.Contains("keybrake-sandbox-stripe.db", reset.Stdout);
        Assert.False(File.Exists(dir.File("keybrake-sandbox-stripe.db")));
        Assert.False(File.Exists(dir.File("keybrake-sandbox.db")));

        await using var fresh = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox");
        var paid = await fresh.Client.CallToolAsync("get_payment_intent", Args(new { payment_intent = "pi_SandboxPaid01" }));
        paid.AssertSuccess();
        var gone = await fresh.Client.CallToolAsync("get_charge", Args(new { charge = refundedCharge }));
        Assert.Equal("stripe_error", gone.ErrorCode());
    }

    [Fact]
    public async Task Reset_leaves_a_ledger_alone_that_is_not_a_sandbox_one()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("real.db"), "");

        var reset = await BuiltTool.RunAsync(Environment(dir), "sandbox", "reset", "--db", dir.File("real.db"));

        Assert.Equal(1, reset.ExitCode);
        Assert.Contains("not a sandbox ledger", reset.Stderr);
        Assert.True(File.Exists(dir.File("real.db")));
    }
}
