using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>The invoice tools end to end for the seed's billing agent, whose key reaches every invoice in the account.</summary>
public sealed class BillingToolTests
{
    private const string Agent = "billing-bot";

    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(StripeWorld world) =>
        await new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);

    private static string? Status(StripeWorld world, string invoice) => (string?)world.Stripe.Account.GetInvoice(invoice)!["status"];

    private static int Posts(StripeWorld world) => world.Stripe.Requests.Count(r => r.Method == "POST");

    [Fact]
    public async Task Billing_role_sees_its_tools_and_pay_invoice_has_no_amount_argument()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, Agent);
        var tools = (await mcp.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(["finalize_invoice", "get_customer", "get_invoice", "mark_invoice_uncollectible", "pay_invoice"], tools.Keys.Order());
        var pay = tools["pay_invoice"];
        var properties = pay.InputSchema.GetProperty("properties");
        Assert.Equal(["invoice", "payment_method", "request_id"], properties.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(StripeIdFormat.Pattern, properties.GetProperty("invoice").GetProperty("pattern").GetString());
        Assert.Contains("250.00 USD", pay.Description);
        Assert.True(pay.Annotations!.DestructiveHint);
        Assert.True(pay.OutputSchema!.Value.GetProperty("properties").TryGetProperty("call_id", out _));
        Assert.True(tools["finalize_invoice"].OutputSchema!.Value.GetProperty("properties").TryGetProperty("replayed", out _));
        Assert.True(tools["get_invoice"].Annotations!.ReadOnlyHint);
    }

    [Fact]
    public async Task Paying_an_open_invoice_in_scope_moves_its_remainder_and_audits_it()
    {
        await using var world = await StripeWorld.StartAsync();
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 12000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var result = await mcp.CallAsync("pay_invoice", new { invoice });
        result.AssertSuccess();
        var structured = result.Structured();
        Assert.Equal(("paid", 12000L, 0L), (structured.GetProperty("status").GetString(), structured.GetProperty("amount_paid").GetInt64(), structured.GetProperty("amount_remaining").GetInt64()));
        Assert.False(structured.GetProperty("replayed").GetBoolean());

        var stored = world.Stripe.Account.GetInvoice(invoice)!;
        Assert.Equal(("paid", 12000L), ((string?)stored["status"], (long)stored["amount_paid"]!));
        var post = Assert.Single(world.Stripe.Requests, r => r.Method == "POST");
        Assert.Equal($"/v1/invoices/{invoice}/pay", post.Path);
        Assert.StartsWith("kb_", post.IdempotencyKey);

        var row = (await AuditAsync(world)).Single(r => r.Tool == "pay_invoice");
        Assert.Equal(("allowed", 12000L, "USD", invoice, "billing-collections"), (row.Outcome, row.Amount!.Value, row.Currency, row.Object, row.Role));
        Assert.Equal(post.IdempotencyKey, row.IdempotencyKey);
        Assert.Equal(structured.GetProperty("call_id").GetString(), row.CallId);
    }

    [Fact]
    public async Task Invoices_of_customers_outside_the_cohort_are_refused_and_never_posted()
    {
        await using var world = await StripeWorld.StartAsync();
        var open = world.Stripe.Account.AddInvoice(world.CustomerOutside, 5000, "usd");
        var draft = world.Stripe.Account.AddInvoice(world.CustomerOutside, 5000, "usd", status: "draft");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var pay = await mcp.CallAsync("pay_invoice", new { invoice = open });
        Assert.Equal("not_allowed", pay.ErrorCode());
        Assert.Contains($"belongs to customer {world.CustomerOutside}", pay.ErrorMessage());
        Assert.Equal("not_allowed", (await mcp.CallAsync("mark_invoice_uncollectible", new { invoice = open })).ErrorCode());
        Assert.Equal("not_allowed", (await mcp.CallAsync("finalize_invoice", new { invoice = draft })).ErrorCode());
        Assert.Equal("not_allowed", (await mcp.CallAsync("get_invoice", new { invoice = open })).ErrorCode());

        Assert.Equal(0, Posts(world));
        Assert.Equal(("open", "draft"), (Status(world, open), Status(world, draft)));
        Assert.All(await AuditAsync(world), r => Assert.Equal(("denied", "not_allowed"), (r.Outcome, r.Code)));
    }

    [Fact]
    public async Task Paying_with_another_customers_payment_method_is_refused_before_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 5000, "usd");
        var foreign = world.Stripe.Account.AddPaymentMethod(world.CustomerOutside);
        var own = world.Stripe.Account.AddPaymentMethod(world.CustomerA);
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var refused = await mcp.CallAsync("pay_invoice", new { invoice, payment_method = foreign });
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains($"payment method {foreign} belongs to customer {world.CustomerOutside}", refused.ErrorMessage());
        Assert.Equal(0, Posts(world));

        (await mcp.CallAsync("pay_invoice", new { invoice, payment_method = own })).AssertSuccess();
        Assert.Equal(own, Assert.Single(world.Stripe.Requests, r => r.Method == "POST").Form["payment_method"]);
        Assert.Equal("paid", Status(world, invoice));
    }

    [Fact]
    public async Task An_invoice_above_max_amount_is_refused_before_stripe()
    {
        await using var world = await StripeWorld.StartAsync();
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 25001, "usd");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var refused = await mcp.CallAsync("pay_invoice", new { invoice });
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains("invoice payment of 250.01 USD is above pay_invoice's maxAmount of 250.00 USD", refused.ErrorMessage());
        Assert.Equal(0, Posts(world));
        Assert.Equal("open", Status(world, invoice));
    }

    [Fact]
    public async Task Payments_beyond_the_day_budget_are_refused_without_a_post()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, Agent);
        foreach (var amount in new[] { 12000, 12000 })
        {
            var paid = world.Stripe.Account.AddInvoice(world.CustomerA, amount, "usd");
            (await mcp.CallAsync("pay_invoice", new { invoice = paid })).AssertSuccess();
        }

        var third = world.Stripe.Account.AddInvoice(world.CustomerA, 10000, "usd");
        var refused = await mcp.CallAsync("pay_invoice", new { invoice = third });
        Assert.Equal("budget_exceeded", refused.ErrorCode());
        Assert.Equal("invoice payment of 100.00 USD would exceed the agent's day budget: 240.00 of 300.00 USD used, nothing held", refused.ErrorMessage());
        Assert.Equal(2, Posts(world));
        Assert.Equal("open", Status(world, third));

        // What still fits is allowed.
        var small = world.Stripe.Account.AddInvoice(world.CustomerA, 6000, "usd");
        (await mcp.CallAsync("pay_invoice", new { invoice = small })).AssertSuccess();
        Assert.Equal(30000, (await AuditAsync(world)).Where(r => r.Outcome == "allowed").Sum(r => r.Amount ?? 0));
    }

    [Fact]
    public async Task Only_open_invoices_can_be_paid()
    {
        await using var world = await StripeWorld.StartAsync();
        var draft = world.Stripe.Account.AddInvoice(world.CustomerA, 5000, "usd", status: "draft");
        var paid = world.Stripe.Account.AddInvoice(world.CustomerA, 5000, "usd", status: "paid");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var refused = await mcp.CallAsync("pay_invoice", new { invoice = draft });
        Assert.Equal("not_allowed", refused.ErrorCode());
        Assert.Contains($"invoice {draft} is 'draft'", refused.ErrorMessage());
        Assert.Equal("not_allowed", (await mcp.CallAsync("pay_invoice", new { invoice = paid })).ErrorCode());
        Assert.Equal(0, Posts(world));
    }

    [Fact]
    public async Task Finalize_opens_a_draft_without_automatic_collection_and_moves_no_money()
    {
        await using var world = await StripeWorld.StartAsync();
        var draft = world.Stripe.Account.AddInvoice(world.CustomerA, 5000, "usd", status: "draft");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var result = await mcp.CallAsync("finalize_invoice", new { invoice = draft });
        result.AssertSuccess();
        Assert.Equal("open", result.Structured().GetProperty("status").GetString());
        var stored = world.Stripe.Account.GetInvoice(draft)!;
        Assert.Equal(("open", false), ((string?)stored["status"], (bool)stored["auto_advance"]!));
        var row = (await AuditAsync(world)).Single(r => r.Tool == "finalize_invoice");
        Assert.Equal(("allowed", null, draft), (row.Outcome, row.Amount, row.Object));

        var again = await mcp.CallAsync("finalize_invoice", new { invoice = draft, request_id = "second" });
        Assert.Equal("not_allowed", again.ErrorCode());
        Assert.Contains("'open'", again.ErrorMessage());
        Assert.Equal(1, Posts(world));
    }

    [Fact]
    public async Task Mark_uncollectible_writes_off_an_open_invoice_which_then_cannot_be_paid()
    {
        await using var world = await StripeWorld.StartAsync();
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 5000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var result = await mcp.CallAsync("mark_invoice_uncollectible", new { invoice });
        result.AssertSuccess();
        Assert.Equal("uncollectible", result.Structured().GetProperty("status").GetString());
        Assert.Equal("uncollectible", Status(world, invoice));

        Assert.Equal("not_allowed", (await mcp.CallAsync("pay_invoice", new { invoice })).ErrorCode());
        Assert.Equal(1, Posts(world));
    }

    [Fact]
    public async Task Retry_with_the_same_request_id_is_replayed_and_pays_once()
    {
        await using var world = await StripeWorld.StartAsync();
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 7500, "usd");
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var first = await mcp.CallAsync("pay_invoice", new { invoice, request_id = "dunning-7" });
        var retry = await mcp.CallAsync("pay_invoice", new { invoice, request_id = "dunning-7" });
        first.AssertSuccess();
        retry.AssertSuccess();
        Assert.True(retry.Structured().GetProperty("replayed").GetBoolean());
        Assert.Equal(first.Structured().GetProperty("call_id").GetString(), retry.Structured().GetProperty("call_id").GetString());
        Assert.Equal(1, Posts(world));
        Assert.Equal(7500, (long)world.Stripe.Account.GetInvoice(invoice)!["amount_paid"]!);
        Assert.Equal(7500, (await AuditAsync(world)).Where(r => r.Outcome == "allowed").Sum(r => r.Amount ?? 0));
    }

    [Fact]
    public async Task Get_invoice_returns_the_invoice_of_a_customer_in_scope()
    {
        await using var world = await StripeWorld.StartAsync();
        var price = world.Stripe.Account.AddPrice(2000, "usd");
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, price);
        var invoice = world.Stripe.Account.AddInvoice(world.CustomerA, 2000, "usd", subscription: subscription);
        await using var mcp = await McpHarness.StartAsync(world, Agent);

        var result = await mcp.CallAsync("get_invoice", new { invoice });
        result.AssertSuccess();
        var json = result.Structured();
        Assert.Equal((invoice, world.CustomerA, subscription, "open"),
            (json.GetProperty("id").GetString(), json.GetProperty("customer").GetString(), json.GetProperty("subscription").GetString(), json.GetProperty("status").GetString()));
        Assert.Equal((2000L, 0L, 2000L), (json.GetProperty("amount_due").GetInt64(), json.GetProperty("amount_paid").GetInt64(), json.GetProperty("amount_remaining").GetInt64()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("due_date").ValueKind);
        Assert.False(json.TryGetProperty("call_id", out _));
    }
}
