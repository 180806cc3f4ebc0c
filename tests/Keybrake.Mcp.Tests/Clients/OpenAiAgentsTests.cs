using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Clients;

/// <summary>
/// The OpenAI Agents SDK for JS (npm <c>@openai/agents</c> 0.20), without a model: it connects, lists the tools and
/// converts every schema to a strict function schema (as agents with <c>convertSchemasToStrict</c> do), then calls tools
/// the way a model's tool call reaches them, over stdio (it starts the server) and over Streamable HTTP.
/// </summary>
[Trait("Category", "Process")]
public sealed class OpenAiAgentsTests
{
    private static Dictionary<string, string?> SandboxEnvironment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
    };

    private static string Steps(params object[] steps) => JsonSerializer.Serialize(steps);

    private static void AssertEveryToolStrict(JsonElement result, params string[] names)
    {
        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        var tools = result.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(names.Order(), tools.Select(t => t.GetProperty("name").GetString()!).Order());
        Assert.All(tools, t => Assert.True(t.GetProperty("strict").GetBoolean(), $"{t.GetProperty("name")} is not strict: {t.GetProperty("reason")}"));
    }

    // What the SDK hands a model: the tool's text content (the JSON of the result, or "code: message" for a refusal).
    private static string Text(JsonElement call) => call.ValueKind switch
    {
        JsonValueKind.String => call.GetString()!,
        JsonValueKind.Array => string.Concat(call.EnumerateArray().Select(Text)),
        _ when call.TryGetProperty("text", out var text) => text.GetString()!,
        _ => call.GetRawText(),
    };

    [Theory]
    [InlineData("refund-bot", new[] { "get_charge", "get_customer", "get_payment_intent", "issue_refund" })]
    [InlineData("plan-bot", new[] { "cancel_subscription", "change_plan", "extend_trial", "get_customer", "get_subscription", "list_prices",
        "pause_subscription", "preview_plan_change", "resume_subscription", "update_subscription_quantity" })]
    [InlineData("analytics-bot", new[] { "get_charge", "get_customer", "get_invoice", "get_payment_intent", "get_subscription", "list_charges",
        "list_customers", "list_invoices", "list_payment_intents", "list_refunds", "list_subscriptions" })]
    public async Task Over_stdio_every_tool_converts_to_a_strict_schema(string agent, string[] names)
    {
        using var dir = new TempDirectory();
        var (command, args) = NodeClients.ServerCommand("serve", "--sandbox", "--agent", agent);

        var result = await NodeClients.RunScriptAsync("agents.mjs", ["stdio", Steps(), command, .. args], SandboxEnvironment(dir));

        AssertEveryToolStrict(result, names);
    }

    [Fact]
    public async Task Over_stdio_a_models_call_moves_money_once_and_a_refusal_reads_as_its_code()
    {
        using var dir = new TempDirectory();
        var (command, args) = NodeClients.ServerCommand("serve", "--sandbox", "--agent", "refund-bot");

        var result = await NodeClients.RunScriptAsync("agents.mjs", ["stdio", Steps(
            new { tool = "issue_refund", arguments = new { payment_intent = "pi_SandboxPaid01", amount = 500, reason = "duplicate", request_id = "agents-1" } },
            new { tool = "issue_refund", arguments = new { payment_intent = "pi_SandboxPaid01", amount = 500, reason = "duplicate", request_id = "agents-1" } },
            new { tool = "issue_refund", arguments = new { payment_intent = "pi_SandboxPaid01", amount = 99999 } }), command, .. args], SandboxEnvironment(dir));

        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        var calls = result.GetProperty("calls").EnumerateArray().Select(Text).ToList();
        Assert.Contains("\"amount\":500", calls[0]);
        Assert.Contains("\"replayed\":true", calls[1]);
        Assert.Contains("invalid_arguments: issue_refund: 'amount' must be at most 20000", calls[2]);
    }

    [Fact]
    public async Task Over_streamable_http_with_a_token_it_lists_strict_tools_and_calls_them()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = await HttpHarness.StartAsync(world);
        var token = await server.IssueTokenAsync("refund-bot");

        var result = await NodeClients.RunScriptAsync("agents.mjs", ["http", Steps(
            new { tool = "issue_refund", arguments = new { payment_intent = intent, amount = 1200 } },
            new { tool = "get_customer", arguments = new { customer = world.CustomerOutside } }), server.Endpoint.ToString(), token], new Dictionary<string, string?>());

        AssertEveryToolStrict(result, "get_charge", "get_customer", "get_payment_intent", "issue_refund");
        var calls = result.GetProperty("calls").EnumerateArray().Select(Text).ToList();
        Assert.Contains("\"amount\":1200", calls[0]);
        Assert.Contains("not_allowed:", calls[1]);
        Assert.Equal(1200, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
    }
}
