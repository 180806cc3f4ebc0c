using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>approvals.via = client: the server asks the real MCP client through elicitation/create.</summary>
public sealed class ElicitationApprovalTests
{
    private static void RequireClientApproval(StripeWorld world)
    {
        var path = Path.Combine(world.ManifestsDirectory, "support-refunds.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        manifest["tools"]!["issue_refund"]!["approvalAbove"] = "100.00 USD";
        manifest["approvals"] = new JsonObject { ["via"] = "client", ["expiresAfter"] = "10m" };
        File.WriteAllText(path, manifest.ToJsonString());
    }

    private static McpClientOptions Answering(string action, bool approve, List<string> asked) => new()
    {
        Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                asked.Add(request?.Message ?? "");
                return ValueTask.FromResult(new ElicitResult
                {
                    Action = action,
                    Content = action == "accept" ? new Dictionary<string, JsonElement> { ["approve"] = JsonSerializer.SerializeToElement(approve) } : null,
                });
            },
        },
    };

    [Theory]
    [InlineData("accept", true, true)]
    [InlineData("accept", false, false)]
    [InlineData("decline", false, false)]
    public async Task The_client_is_asked_and_its_answer_decides(string action, bool approve, bool refunded)
    {
        await using var world = await StripeWorld.StartAsync();
        RequireClientApproval(world);
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 20000, "usd");
        var asked = new List<string>();
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot", clientOptions: Answering(action, approve, asked));

        var result = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 15000 });
        var message = Assert.Single(asked);
        Assert.Contains("150.00 USD", message);
        Assert.Contains("100.00 USD", message);
        if (refunded)
        {
            result.AssertSuccess();
            Assert.Single(world.Stripe.Account.GetRefunds());
        }
        else
        {
            Assert.Equal("not_allowed", result.ErrorCode());
            Assert.Empty(world.Stripe.Account.GetRefunds());
        }
    }

    [Fact]
    public async Task A_client_without_elicitation_falls_back_to_operator_approval()
    {
        await using var world = await StripeWorld.StartAsync();
        RequireClientApproval(world);
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 20000, "usd");
        await using var mcp = await McpHarness.StartAsync(world, "refund-bot");

        var held = await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 15000, request_id = "ticket-1" });
        Assert.Equal("approval_required", held.ErrorCode());
        var approvalId = held.Structured().GetProperty("error").GetProperty("approval_id").GetString()!;

        var list = new StringWriter();
        Assert.Equal(0, await Keybrake.Mcp.Cli.KeybrakeCli.RunAsync(["approvals", "list", "--json"], n => world.Env(n), list, new StringWriter()));
        Assert.Contains(approvalId, list.ToString());
        Assert.Equal(0, await Keybrake.Mcp.Cli.KeybrakeCli.RunAsync(["approvals", "approve", approvalId], n => world.Env(n), new StringWriter(), new StringWriter()));
        Assert.Equal(1, await Keybrake.Mcp.Cli.KeybrakeCli.RunAsync(["approvals", "deny", approvalId], n => world.Env(n), new StringWriter(), new StringWriter()));

        (await mcp.CallAsync("issue_refund", new { payment_intent = intent, amount = 15000, request_id = "ticket-1" })).AssertSuccess();
        Assert.Equal(15000, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
    }
}
