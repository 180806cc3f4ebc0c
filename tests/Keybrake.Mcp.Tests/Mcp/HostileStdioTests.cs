using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Mcp;

/// <summary>What a client that breaks the rules gets from a stdio server: a JSON-RPC error, no money moved, a server that keeps serving.</summary>
[Trait("Category", "Process")]
public sealed class HostileStdioTests
{
    private static JsonObject RefundCall(string intent, long amount, string? ticket = null)
    {
        var arguments = new JsonObject { ["payment_intent"] = intent, ["amount"] = amount };
        if (ticket is not null)
        {
            arguments["ticket"] = ticket;
        }

        return new JsonObject { ["name"] = "issue_refund", ["arguments"] = arguments };
    }

    private static Task<IReadOnlyList<AuditRecord>> AuditAsync(StripeWorld world) =>
        new SqlLedger(new SqliteDatabase(world.DatabasePath), TimeProvider.System).ReadAuditAsync(new AuditQuery(), CancellationToken.None);

    [Fact]
    public async Task A_tool_call_before_initialize_is_refused_and_moves_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = RawStdioServer.Start("refund-bot", world.Environment());

        var early = await server.RequestAsync(7, "tools/call", RefundCall(intent, 500));

        Assert.Null(early["result"]);
        Assert.Equal(-32600, (int)early["error"]!["code"]!);
        Assert.Contains("before 'initialize'", (string?)early["error"]!["message"]);
        Assert.Empty(world.Stripe.Account.GetRefunds());

        await server.InitializeAsync();
        var after = await server.RequestAsync(8, "tools/call", RefundCall(intent, 500));

        Assert.NotEqual(true, (bool?)after["result"]!["isError"]);
        Assert.Equal(500, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
        Assert.Single(await AuditAsync(world));
    }

    [Fact]
    public async Task A_2026_07_28_client_without_a_handshake_is_served_from_its_first_request()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var server = RawStdioServer.Start("refund-bot", world.Environment());
        var meta = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        };

        var discover = await server.RequestAsync(1, "server/discover", new JsonObject { ["_meta"] = meta.DeepClone() });
        var list = await server.RequestAsync(2, "tools/list", new JsonObject { ["_meta"] = meta.DeepClone() });

        Assert.Null(discover["error"]);
        Assert.Contains("2026-07-28", discover["result"]!.ToJsonString());
        Assert.Contains("issue_refund", list["result"]!.ToJsonString());
    }

    [Fact]
    public async Task A_message_over_one_mebibyte_is_refused_by_id_and_the_server_keeps_serving()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        await using var server = RawStdioServer.Start("refund-bot", world.Environment());
        await server.InitializeAsync();

        // As the TypeScript SDK writes requests: the id after a large params.
        var huge = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "tools/call", ["params"] = RefundCall(intent, 500, new string('x', 2 * 1024 * 1024)), ["id"] = 41 };
        await server.SendAsync(huge.ToJsonString());
        var refused = await server.ResponseAsync(41);

        Assert.Equal(-32600, (int)refused["error"]!["code"]!);
        Assert.Contains("over the 1 MiB limit", (string?)refused["error"]!["message"]);
        Assert.Empty(world.Stripe.Account.GetRefunds());

        var next = await server.RequestAsync(42, "tools/call", RefundCall(intent, 300));
        Assert.NotEqual(true, (bool?)next["result"]!["isError"]);
        Assert.Equal(300, (long)Assert.Single(world.Stripe.Account.GetRefunds())["amount"]!);
    }

    [Fact]
    public async Task A_key_with_a_stray_space_stops_the_server_at_start_without_printing_it()
    {
        await using var world = await StripeWorld.StartAsync();
        var env = new Dictionary<string, string?>(world.Environment()) { ["KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS"] = StripeWorld.RefundKey + " \n" };

        var (exitCode, stdout, stderr) = await BuiltTool.RunAsync(env, "serve", "--agent", "refund-bot");

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.Contains($"KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS holds a space at position {StripeWorld.RefundKey.Length + 1}", stderr);
        Assert.DoesNotContain(StripeWorld.RefundKey, stderr);
    }
}
