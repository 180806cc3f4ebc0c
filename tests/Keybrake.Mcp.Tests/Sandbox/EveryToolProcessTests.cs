using System.Text.Json;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Sandbox;

/// <summary>
/// Every tool of every shipped role, called with good arguments through the built tool in sandbox mode: each Stripe
/// request is encoded and each answer read back by Stripe.net in the process users run (also the Native AOT build,
/// when the CI points <c>KEYBRAKE_TEST_EXECUTABLE</c> at it: there, a Stripe type or property the build did not keep,
/// on the way in or out, fails here).
/// </summary>
[Trait("Category", "Process")]
public sealed class EveryToolProcessTests
{
    // Seeded ids (SandboxSeed): customers 01-03 are the demo ones, 04-05 the billing cohort, 06-08 the analytics segment;
    // payment N is 4,900 + 100 x N cents, authorisations 8,900, open invoices 2,900. Each call names values that only
    // Stripe's answer, read back by Stripe.net, can carry ("=" a field, "data.0.x" a list's first item), so a field the
    // build lost, or a request parameter it failed to send, fails here.
    public static TheoryData<string, string[]> Roles => new()
    {
        { "refund-bot", [
            "get_payment_intent {\"payment_intent\":\"pi_SandboxPaid01\"} => amount=5000 currency=usd status=succeeded capture_method=automatic",
            "get_charge {\"charge\":\"$charge\"} => amount=5000 captured=true refunded=false payment_intent=pi_SandboxPaid01",
            "get_customer {\"customer\":\"cus_SandboxAda01\"} => email=sandbox+cus_sandboxada01@example.com delinquent=false",
            "issue_refund {\"payment_intent\":\"pi_SandboxPaid01\",\"amount\":500,\"reason\":\"duplicate\"} => amount=500 currency=usd reason=duplicate status=succeeded"] },
        { "capture-bot", [
            "get_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\"} => amount=8900 amount_capturable=8900 capture_method=manual status=requires_capture",
            "get_customer {\"customer\":\"cus_SandboxGrace02\"} => email=sandbox+cus_sandboxgrace02@example.com",
            "capture_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\",\"amount_to_capture\":5000} => amount_received=5000 status=succeeded",
            "get_payment_intent {\"payment_intent\":\"pi_SandboxAuth02\"} => amount_received=5000",
            "get_charge {\"charge\":\"$charge\"} => amount_captured=5000 captured=true"] },
        { "billing-bot", [
            "get_customer {\"customer\":\"cus_past_due_cohort_id_1\"} => email=sandbox+cus_past_due_cohort_id_1@example.com",
            "get_subscription {\"subscription\":\"sub_Sandbox04\"} => status=past_due customer=cus_past_due_cohort_id_1",
            "get_invoice {\"invoice\":\"in_SandboxOpen04\"} => status=open amount_due=2900 subscription=sub_Sandbox04",
            "list_invoices {\"customer\":\"cus_past_due_cohort_id_1\",\"status\":\"open\"} => data.0.id=in_SandboxOpen04 data.0.amount_remaining=2900",
            "list_payment_methods {\"customer\":\"cus_past_due_cohort_id_1\",\"type\":\"card\"} => data.0.type=card data.0.card.last4=4242",
            "pay_invoice {\"invoice\":\"in_SandboxOpen04\"} => status=paid amount_paid=2900",
            "finalize_invoice {\"invoice\":\"in_SandboxDraft05\"} => status=open amount_due=1200",
            "mark_invoice_uncollectible {\"invoice\":\"in_SandboxOpen05\"} => status=uncollectible"] },
        { "plan-bot", [
            "get_customer {\"customer\":\"cus_SandboxAda01\"} => email=sandbox+cus_sandboxada01@example.com",
            "get_subscription {\"subscription\":\"sub_Sandbox01\"} => status=active items.0.price=price_hobby_monthly items.0.quantity=1",
            "list_prices {\"limit\":5} => data.0.object=price data.0.currency=usd",
            "preview_plan_change {\"subscription\":\"sub_Sandbox01\",\"price\":\"price_team_monthly\"} => amount_due=4900 lines.2.amount=2900",
            "change_plan {\"subscription\":\"sub_Sandbox01\",\"price\":\"price_team_monthly\",\"proration_behavior\":\"none\"} => items.0.price=price_team_monthly items.0.unit_amount=2900",
            "update_subscription_quantity {\"subscription\":\"sub_Sandbox01\",\"quantity\":2,\"proration_behavior\":\"none\"} => items.0.quantity=2",
            "extend_trial {\"subscription\":\"sub_Sandbox02\",\"days\":7} refused: subscription sub_Sandbox02 is 'active'",
            "pause_subscription {\"subscription\":\"sub_Sandbox02\",\"behavior\":\"void\"} => pause_collection.behavior=void",
            "resume_subscription {\"subscription\":\"sub_Sandbox02\"} => status=active",
            "cancel_subscription {\"subscription\":\"sub_Sandbox03\",\"at_period_end\":true,\"feedback\":\"unused\"} => cancel_at_period_end=true"] },
        { "analytics-bot", [
            "list_customers {\"limit\":5} => data.0.object=customer",
            "get_customer {\"customer\":\"cus_SegmentA0001\"} => id=cus_SegmentA0001",
            "get_payment_intent {\"payment_intent\":\"pi_SandboxPaid06\"} => amount=5500 customer=cus_SegmentA0001",
            "get_charge {\"charge\":\"$charge\"} => amount=5500",
            "get_subscription {\"subscription\":\"sub_Sandbox06\"} => items.0.price=price_team_monthly",
            "get_invoice {\"invoice\":\"in_SandboxOpen06\"} => amount_due=2900 customer=cus_SegmentA0001",
            "list_charges {\"customer\":\"cus_SegmentA0001\"} => data.0.customer=cus_SegmentA0001 data.0.currency=usd",
            "list_payment_intents {\"customer\":\"cus_SegmentA0001\"} => data.0.customer=cus_SegmentA0001",
            "list_invoices {\"customer\":\"cus_SegmentA0001\"} => data.0.customer=cus_SegmentA0001",
            "list_subscriptions {\"customer\":\"cus_SegmentA0001\",\"status\":\"all\"} => data.0.id=sub_Sandbox06",
            "list_refunds {\"payment_intent\":\"pi_SandboxPaid06\"} => has_more=false"] },
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
            var rest = call[(tool.Length + 1)..];
            var (json, expected, refusal) = rest.Split(" refused: ") is [var r, var why] ? (r, "", (string?)why)
                : rest.Split(" => ") is [var j, var e] ? (j, e, null) : throw new ArgumentException(call);
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
            foreach (var expectation in expected.Split(' '))
            {
                var (path, value) = (expectation[..expectation.IndexOf('=')], expectation[(expectation.IndexOf('=') + 1)..]);
                Assert.True(At(answer, path) == value, $"{agent} {call}: {path} is {At(answer, path) ?? "missing"}, expected {value}\n{answer}");
            }

            if (answer.TryGetProperty("latest_charge", out var latest) && latest.ValueKind == JsonValueKind.String)
            {
                charge = latest.GetString();
            }
        }

        Assert.Empty(offered);
    }

    /// <summary>The value at a dotted path ("items.0.price"), as text (JSON's own spelling for numbers and booleans); null when absent.</summary>
    private static string? At(JsonElement element, string path)
    {
        foreach (var step in path.Split('.'))
        {
            if (element.ValueKind == JsonValueKind.Array && int.TryParse(step, out var index) && index < element.GetArrayLength())
            {
                element = element[index];
            }
            else if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(step, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
    }
}
