using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Sandbox;

/// <summary><c>serve --sandbox</c> as users run it: the built tool, the shipped manifests, no Stripe anywhere.</summary>
[Trait("Category", "Process")]
public sealed class SandboxServeTests
{
    private const string RealKey = "rk_test_RealKeyThatMustBeIgnored0001";

    private static Dictionary<string, object?> Args(object anonymous) =>
        JsonSerializer.SerializeToElement(anonymous).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);

    // No Stripe variables at all (bar one real key, which must be ignored); the ledger path is the "real" one.
    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
        ["KEYBRAKE_STRIPE_API_BASE"] = null,
        ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = RealKey,
        ["KEYBRAKE_STRIPE_KEY_BILLING_COLLECTIONS"] = null,
    };

    [Fact]
    public async Task Refund_bot_refunds_a_seeded_payment_marked_sandbox_and_audited_in_the_sandbox_ledger()
    {
        using var dir = new TempDirectory();
        await using var server = await BuiltTool.ServeAsync("refund-bot", Environment(dir), "--sandbox");

        var tools = await server.Client.ListToolsAsync();
        Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools.Select(t => t.Name).Order().ToList());
        Assert.All(tools, t => Assert.Equal("boolean", t.ProtocolTool.OutputSchema!.Value.GetProperty("properties").GetProperty("sandbox").GetProperty("type").GetString()));
        Assert.StartsWith("SANDBOX", server.Client.ServerInstructions);

        var refund = await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = "pi_SandboxPaid01", amount = 500, reason = "requested_by_customer" }));
        refund.AssertSuccess();
        Assert.True(refund.Structured().GetProperty("sandbox").GetBoolean());
        Assert.Contains("\"sandbox\":true", refund.Text());

        var tooMuch = await server.Client.CallToolAsync("issue_refund", Args(new { payment_intent = "pi_SandboxPaid01", amount = 99999 }));
        Assert.Equal("invalid_arguments", tooMuch.ErrorCode());
        Assert.True(tooMuch.Structured().GetProperty("sandbox").GetBoolean());
        var notMine = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(
            () => server.Client.CallToolAsync("capture_payment_intent", Args(new { payment_intent = "pi_SandboxAuth01" })).AsTask());
        Assert.Contains("Unknown tool", notMine.Message);

        await server.DisposeAsync();
        Assert.Contains("SANDBOX MODE", server.Stderr);
        Assert.Contains("KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS is set in the environment and is IGNORED", server.Stderr);
        Assert.DoesNotContain(RealKey, server.Stderr);

        // The sandbox has its own ledger next to the real one, which is never created.
        Assert.False(File.Exists(dir.File("keybrake.db")));
        var audit = await new SqlLedger(new SqliteDatabase(dir.File("keybrake-sandbox.db")), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(
            [("issue_refund", "allowed", (long?)500), ("issue_refund", "denied", null), ("capture_payment_intent", "denied", null)],
            audit.Select(r => (r.Tool, r.Outcome, r.Amount)).ToList());
    }

    [Fact]
    public async Task Billing_bot_acts_on_the_manifest_cohort_seeded_with_its_exact_ids_and_nothing_else()
    {
        using var dir = new TempDirectory();
        var db = dir.File("chosen.db");
        await using var server = await BuiltTool.ServeAsync("billing-bot", Environment(dir), "--sandbox", "--db", db);

        var customer = await server.Client.CallToolAsync("get_customer", Args(new { customer = "cus_past_due_cohort_id_1" }));
        customer.AssertSuccess();
        Assert.Contains("[SANDBOX]", customer.Structured().GetProperty("name").GetString());
        var invoices = await server.Client.CallToolAsync("list_invoices", Args(new { customer = "cus_past_due_cohort_id_2" }));
        invoices.AssertSuccess();
        var statuses = invoices.Structured().GetProperty("data").EnumerateArray().Select(i => i.GetProperty("status").GetString()).Order().ToList();
        Assert.Equal(["draft", "open"], statuses);

        // Open invoice of the first cohort customer (the fourth seeded), then one of a customer outside the cohort.
        (await server.Client.CallToolAsync("pay_invoice", Args(new { invoice = "in_SandboxOpen04" }))).AssertSuccess();
        var outside = await server.Client.CallToolAsync("pay_invoice", Args(new { invoice = "in_SandboxOpen01" }));
        Assert.Equal("not_allowed", outside.ErrorCode());

        await server.DisposeAsync();
        Assert.True(File.Exists(db));
        Assert.False(File.Exists(dir.File("keybrake-sandbox.db")));
    }
}
