using System.Diagnostics;
using System.Text.RegularExpressions;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.Http;

/// <summary><c>keybrake-mcp serve --http</c> as a process: it listens on loopback, serves token holders, keeps secrets out of its logs.</summary>
[Trait("Category", "Process")]
public sealed partial class ServeHttpProcessTests
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

        var start = BuiltTool.StartInfo("serve", "--http", "--urls", "http://127.0.0.1:0");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var url = new TaskCompletionSource<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            stderr.Enqueue(e.Data);
            if (ListeningUrl().Match(e.Data) is { Success: true } match)
            {
                url.TrySetResult(match.Groups[1].Value);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var endpoint = new Uri(await url.Task.WaitAsync(TimeSpan.FromSeconds(30)) + "/mcp");
            Assert.Equal("127.0.0.1", endpoint.Host);
            await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            }));
            var tools = (await client.ListToolsAsync()).Select(t => t.Name).Order().ToList();
            Assert.Equal(["get_charge", "get_customer", "get_payment_intent", "issue_refund"], tools);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var log = string.Join("\n", stderr);
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

    [GeneratedRegex(@"over Streamable HTTP at (http://[^\s/,]+)/mcp")]
    private static partial Regex ListeningUrl();
}
