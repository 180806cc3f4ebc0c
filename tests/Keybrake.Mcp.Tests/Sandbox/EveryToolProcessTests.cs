using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Sandbox;

/// <summary>
/// Every tool of every shipped role, called with good arguments through the built tool in sandbox mode: each Stripe
/// request is encoded and each answer read back by Stripe.net in the process users run (also the Native AOT build,
/// when the CI points <c>KEYBRAKE_TEST_EXECUTABLE</c> at it: there, a Stripe type the build did not keep fails here).
/// </summary>
[Trait("Category", "Process")]
public sealed class EveryToolProcessTests
{
    // Seeded ids (SandboxSeed): customers 01-03 are the demo ones, 04-05 the billing cohort, 06-08 the analytics segment.
    public static TheoryData<string, string[]> Roles => new()
    {
        { "refund-bot", ["get_payment_intent {\"payment_intent\":\"pi_SandboxPaid01\"}", "get_charge {\"charge\":\"$charge\"}",
            "get_customer {\"customer\":\"cus_SandboxAda01\"}", "issue_refund {\"payment_intent\":\"pi_SandboxPaid01\",\"amount\":500,\"reason\":\"duplicate\"}"] },
        { "capture-bot", ["get_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\"}", "get_customer {\"customer\":\"cus_SandboxGrace02\"}",
            "capture_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\",\"amount_to_capture\":5000}", "get_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\"}",
            "get_charge {\"charge\":\"$charge\"}"] },
        { "billing-bot", ["get_customer {\"customer\":\"cus_PastDueCohort01\"}", "get_subscription {\"subscription\":\"sub_Sandbox04\"}",
            "get_invoice {\"invoice\":\"in_SandboxOpen04\"}", "list_invoices {\"customer\":\"cus_PastDueCohort01\",\"status\":\"open\"}",
            "list_payment_methods {\"customer\":\"cus_PastDueCohort01\",\"type\":\"card\"}", "pay_invoice {\"invoice\":\"in_SandboxOpen04\"}",
            "finalize_invoice {\"invoice\":\"in_SandboxDraft05\"}", "mark_invoice_uncollectible {\"invoice\":\"in_SandboxOpen05\"}"] },
        { "plan-bot", ["get_customer {\"customer\":\"cus_SandboxAda01\"}", "get_subscription {\"subscription\":\"sub_Sandbox01\"}", "list_prices {\"limit\":5}",
            "preview_plan_change {\"subscription\":\"sub_Sandbox01\",\"price\":\"price_team_monthly\"}",
            "change_plan {\"subscription\":\"sub_Sandbox01\",\"price\":\"price_team_monthly\",\"proration_behavior\":\"none\"}",
            "update_subscription_quantity {\"subscription\":\"sub_Sandbox01\",\"quantity\":2,\"proration_behavior\":\"none\"}",
            "extend_trial {\"subscription\":\"sub_Sandbox02\",\"days\":7} refused: subscription sub_Sandbox02 is 'active'", "pause_subscription {\"subscription\":\"sub_Sandbox02\",\"behavior\":\"void\"}",
            "resume_subscription {\"subscription\":\"sub_Sandbox02\"}", "cancel_subscription {\"subscription\":\"sub_Sandbox03\",\"at_period_end\":true,\"feedback\":\"unused\"}"] },
        { "analytics-bot", ["list_customers {\"limit\":5}", "get_customer {\"customer\":\"cus_SegmentA0001\"}", "get_payment_intent {\"payment_intent\":\"pi_SandboxPaid06\"}",
            "get_charge {\"charge\":\"$charge\"}", "get_subscription {\"subscription\":\"sub_Sandbox06\"}", "get_invoice {\"invoice\":\"in_SandboxOpen06\"}",
            "list_charges {\"customer\":\"cus_SegmentA0001\"}", "list_payment_intents {\"customer\":\"cus_SegmentA0001\"}",
            "list_invoices {\"customer\":\"cus_SegmentA0001\"}", "list_subscriptions {\"customer\":\"cus_SegmentA0001\",\"status\":\"all\"}",
            "list_refunds {\"payment_intent\":\"pi_SandboxPaid06\"}"] },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Every_tool_of_the_role_answers_from_Stripe_with_its_fields(string agent, string[] calls)
    {
        using var dir = new TempDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
            ["KEYBRAKE_DB"] = dir.File("keybrake-sandbox.db"),
        };
        await using var server = await BuiltTool.ServeAsync(agent, environment, "--sandbox");
        var offered = (await server.Client.ListToolsAsync()).Select(t => t.Name).ToHashSet();

        string? charge = null;
        foreach (var call in calls)
        {
            var tool = call[..call.IndexOf(' ')];
            var (json, refusal) = call[(tool.Length + 1)..].Split(" refused: ") is [var j, var r] ? (j, r) : (call[(tool.Length + 1)..], null);
            var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json.Replace("$charge", charge))!
                .ToDictionary(p => p.Key, p => (object?)p.Value);
            var result = await server.Client.CallToolAsync(tool, arguments);
            offered.Remove(tool);
            if (refusal is not null)
            {
                // The sandbox has no trial to extend; the refusal quotes the subscription's status as Stripe.net read it.
                Assert.True(result.IsError);
                Assert.Contains(refusal, result.Text());
                continue;
            }

            Assert.False(result.IsError, $"{agent} {call}: {result.Text()}\n{server.Stderr}");
            var answer = result.Structured();
            // Read from Stripe's answer, not echoed from the request: an object that lost its fields reads as empty.
            var fields = answer.TryGetProperty("data", out var data) ? data.EnumerateArray().FirstOrDefault() : answer;
            if (fields.ValueKind == JsonValueKind.Undefined)
            {
                // The segment has no refunds (its agent cannot make any): an empty page, read as one.
                Assert.Equal("list_refunds", tool);
                continue;
            }

            var read = tool == "preview_plan_change"
                ? fields.TryGetProperty("lines", out var lines) && lines.GetArrayLength() > 0 // an upcoming invoice: lines, no id
                : fields.TryGetProperty("object", out _) && fields.TryGetProperty("id", out var id) && id.GetString()!.Contains('_');
            Assert.True(read, $"{agent} {call}: {answer}");
            if (fields.TryGetProperty("latest_charge", out var latest) && latest.ValueKind == JsonValueKind.String)
            {
                charge = latest.GetString();
            }
        }

        Assert.Empty(offered);
    }
}
