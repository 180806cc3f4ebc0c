using System.Net;
using System.Net.Sockets;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>A new user's first hour: the documented ways to start the server work as written, and mistakes get one clear line.</summary>
public sealed class FirstHourTests
{
    private static Dictionary<string, string?> Shipped(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
    };

    [Fact]
    public async Task The_readmes_dotnet_run_command_keeps_stdout_for_the_protocol()
    {
        // README "Run it": dotnet run --project src/Keybrake.Mcp -- serve ... A restore or build warning on stdout would be
        // read by the client as a broken JSON-RPC message (NU1603 did that).
        using var dir = new TempDirectory();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "dotnet-run",
            Command = "dotnet",
            Arguments = ["run", "--project", Path.Combine(BuiltTool.RepoRoot, "src", "Keybrake.Mcp"), "--", "serve", "--sandbox", "--agent", "refund-bot"],
            EnvironmentVariables = Shipped(dir),
            WorkingDirectory = BuiltTool.RepoRoot,
        });

        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { InitializationTimeout = TimeSpan.FromMinutes(2) });
        Assert.Contains((await client.ListToolsAsync()).Select(t => t.Name), n => n == "issue_refund");
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task An_agent_in_no_manifest_is_refused_before_the_sandbox_starts()
    {
        using var dir = new TempDirectory();

        var (code, stdout, stderr) = await BuiltTool.RunAsync(Shipped(dir), "serve", "--sandbox", "--agent", "nobody");

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Equal("serve: agent 'nobody' is not listed in any manifest in " + Path.Combine(BuiltTool.RepoRoot, "tool-manifests"), stderr.Trim());
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task An_http_server_with_no_usable_role_refuses_to_start_and_says_why()
    {
        using var dir = new TempDirectory();

        var (code, _, stderr) = await BuiltTool.RunAsync(Shipped(dir), "serve", "--http", "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, code);
        Assert.Contains("KEYBRAKE_STRIPE_KEY_SUPPORT_REFUNDS is not set", stderr);
        Assert.Contains("serve: no role can be served", stderr);
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task A_port_in_use_is_one_line_and_exit_1()
    {
        using var dir = new TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, stderr) = await BuiltTool.RunAsync(Shipped(dir), "serve", "--http", "--sandbox", "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        var last = stderr.Trim().Split('\n')[^1];
        Assert.Equal($"serve: http://127.0.0.1:{port} is already in use by another process; stop it or choose another address with --urls", last);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task A_bad_log_level_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var env = Shipped(dir);
        env["KEYBRAKE_LOG_LEVEL"] = "loud";

        var (code, _, stderr) = await BuiltTool.RunAsync(env, "serve", "--sandbox", "--agent", "refund-bot");

        Assert.Equal(2, code);
        Assert.Contains("KEYBRAKE_LOG_LEVEL: 'loud' is not one of trace, debug, information, warning, error, critical, none", stderr);
    }
}
