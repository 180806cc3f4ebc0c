using System.Text.Json.Nodes;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>Editing a manifest under running servers: valid edits take effect and notify; broken ones change nothing.</summary>
public sealed class HotReloadTests
{
    private static string PlansManifest(StripeWorld world) => Path.Combine(world.ManifestsDirectory, "subscriptions.json");

    private static void Edit(StripeWorld world, Action<JsonObject> change)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(PlansManifest(world)))!.AsObject();
        change(manifest);
        File.WriteAllText(PlansManifest(world), manifest.ToJsonString());
    }

    private static async Task<string[]> PricesAsync(McpClient client) =>
        (await client.ListToolsAsync()).Single(t => t.Name == "change_plan").ProtocolTool.InputSchema
            .GetProperty("properties").GetProperty("price").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static async Task WaitForAsync(TaskCompletionSource signal, string what)
    {
        var finished = await Task.WhenAny(signal.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == signal.Task, $"no {what} within 10 s");
    }

    [Fact]
    public async Task An_allowlist_edit_reaches_tools_list_and_the_next_call_and_notifies_the_client()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot", clientOptions: new McpClientOptions { ProtocolVersion = "2025-11-25" });
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = mcp.Client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Assert.Equal([world.PriceHobby, world.PriceTeam], await PricesAsync(mcp.Client));
        // Validated once against the old allowlist (refused for its quantity only), so a schema kept from before the
        // edit would let the team price through below.
        var before = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam, quantity = 0 });
        Assert.Equal("invalid_arguments", before.ErrorCode());
        Assert.DoesNotContain("price", before.ErrorMessage().Replace("change_plan:", ""));

        Edit(world, m => m["tools"]!["change_plan"]!["prices"] = new JsonArray(world.PriceHobby));
        await WaitForAsync(changed, "tools/list_changed");

        Assert.Equal([world.PriceHobby], await PricesAsync(mcp.Client));
        var refused = await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam });
        Assert.Equal("invalid_arguments", refused.ErrorCode());
        Assert.Contains("price", refused.ErrorMessage());
        Assert.DoesNotContain(world.Stripe.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task A_broken_edit_is_rejected_and_the_previous_policy_keeps_serving()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot", clientOptions: new McpClientOptions { ProtocolVersion = "2025-11-25" });
        var changed = false;
        await using var _ = mcp.Client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed = true;
            return ValueTask.CompletedTask;
        });

        Edit(world, m => m["budgets"]![0]!["limit"] = "lots of money");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!mcp.Logs.All.Contains("rejected") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("rejected", mcp.Logs.All);
        Assert.Contains("$.budgets[0].limit", mcp.Logs.All);
        Assert.False(changed);
        Assert.Equal([world.PriceHobby, world.PriceTeam], await PricesAsync(mcp.Client));
        (await mcp.CallAsync("change_plan", new { subscription, price = world.PriceTeam })).AssertSuccess();
    }

    [Fact]
    public async Task Removing_the_agent_from_its_role_cuts_its_tools_and_calls()
    {
        await using var world = await StripeWorld.StartAsync();
        var subscription = world.Stripe.Account.AddSubscription(world.CustomerA, world.PriceHobby);
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot", clientOptions: new McpClientOptions { ProtocolVersion = "2025-11-25" });
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = mcp.Client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });

        Edit(world, m => m["agents"] = new JsonArray("plan-bot-2"));
        await WaitForAsync(changed, "tools/list_changed");
        Assert.Empty(await mcp.Client.ListToolsAsync());
        var refused = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => mcp.CallAsync("get_subscription", new { subscription }));
        Assert.Contains("'plan-bot' is not listed in any role manifest", refused.Message);
    }

    [Fact]
    public async Task A_client_on_the_newest_protocol_sees_the_change_on_its_next_list()
    {
        // 2026-07-28 has no sessions: list_changed arrives only on a subscriptions/listen stream, but every list is fresh.
        await using var world = await StripeWorld.StartAsync();
        await using var mcp = await McpHarness.StartAsync(world, "plan-bot");
        Edit(world, m => m["tools"]!["change_plan"]!["prices"] = new JsonArray(world.PriceTeam));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await PricesAsync(mcp.Client)).Length != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal([world.PriceTeam], await PricesAsync(mcp.Client));
    }

    [Fact]
    public async Task An_open_http_session_gets_the_change_too()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = await HttpHarness.StartAsync(world);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await server.ConnectAsync(await server.IssueTokenAsync("plan-bot"), "2025-11-25");
        await using var _ = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Assert.Equal(2, (await PricesAsync(client)).Length);

        Edit(world, m => m["tools"]!["change_plan"]!["prices"] = new JsonArray(world.PriceTeam));
        await WaitForAsync(changed, "tools/list_changed over HTTP");
        Assert.Equal([world.PriceTeam], await PricesAsync(client));
    }
}
