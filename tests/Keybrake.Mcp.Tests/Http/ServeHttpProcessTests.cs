using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Http;

/// <summary><c>keybrake-mcp serve --http</c> as a process: it listens on loopback, serves token holders, keeps secrets out of its logs.</summary>
[Trait("Category", "Process")]
public sealed class ServeHttpProcessTests
{
    [Fact]
    public async Task Serve_http_process_serves_a_token_holder_on_loopback()
    {
        await using var world = await StripeWorld.StartAsync();
        var env = world.Environment();
        var issue = await BuiltTool.RunAsync(env, "token", "issue", "refund-bot");
        Assert.Equal(0, issue.ExitCode);
        var token = issue.Stdout.Trim();
        Assert.DoesNotContain(token, issue.Stderr);

        string log;
        await using (var server = await HttpServerProcess.StartAsync(env))
        {
            Assert.Equal("127.0.0.1", server.Endpoint.Host);
            await using var client = await HttpServerProcess.ConnectAsync(server.Endpoint, token);
            var tools = (await client.ListToolsAsync()).Select(t => t.Name).Order().ToList();
            Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools);
            server.Kill();
            log = server.Stderr;
        }

        Assert.DoesNotContain(token, log);
        Assert.DoesNotContain(StripeWorld.RefundKey, log);
    }

    [Fact]
    public async Task Serve_http_on_a_public_address_needs_allowed_hosts()
    {
        await using var world = await StripeWorld.StartAsync();
        var result = await BuiltTool.RunAsync(world.Environment(), "serve", "--http", "--urls", "http://0.0.0.0:0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--allowed-hosts", result.Stderr);
    }
}
