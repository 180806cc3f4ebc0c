using System.Text.Json;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>The shipped <c>mcp.json</c> is a working example: agents that exist, keys only by environment variable.</summary>
public sealed class ClientConfigTests
{
    [Fact]
    public void Mcp_json_serves_agents_of_the_shipped_manifests_with_keys_from_the_environment()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuiltTool.RepoRoot, "mcp.json")));
        var manifests = ManifestLoader.LoadDirectory(Path.Combine(BuiltTool.RepoRoot, "tool-manifests")).Set!;
        var servers = config.RootElement.GetProperty("mcpServers").EnumerateObject().ToList();
        Assert.NotEmpty(servers);
        Assert.Contains(servers, s => s.Value.GetProperty("args").EnumerateArray().Any(a => a.GetString() == "--sandbox"));
        foreach (var server in servers)
        {
            Assert.Equal("keybrake-mcp", server.Value.GetProperty("command").GetString());
            var args = server.Value.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
            Assert.Equal("serve", args[0]);
            var agent = args[args.IndexOf("--agent") + 1];
            var role = manifests.RoleOf(agent);
            Assert.True(role is not null, $"{server.Name}: agent {agent} is in no shipped manifest");
            if (args.Contains("--sandbox"))
            {
                // The sandbox needs no key: a config entry must not even name one.
                Assert.False(server.Value.TryGetProperty("env", out _), $"{server.Name}: a sandbox entry takes no key");
                continue;
            }

            var env = server.Value.GetProperty("env");
            Assert.Equal($"${{{role!.Stripe.KeyEnv}}}", env.GetProperty(role.Stripe.KeyEnv).GetString());
        }
    }
}
