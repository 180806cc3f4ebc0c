using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Stripe;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary><c>init ROLE_KIND</c>: a starter manifest that the real loader accepts, never over an existing one unless forced.</summary>
public sealed class InitCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(TextReader? terminal, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(args, _ => null, output, error, CancellationToken.None, terminal);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("support-refunds")]
    [InlineData("billing-collections")]
    [InlineData("subscriptions")]
    [InlineData("payment-capture")]
    [InlineData("analytics-readonly")]
    public async Task Each_seed_role_writes_a_manifest_that_validates_and_prints_its_key_plan(string kind)
    {
        using var dir = new TempDirectory();
        var (code, output, error) = await RunAsync(null, "init", kind, "--manifests", dir.Path);
        Assert.True(code == 0, error);

        var loaded = ManifestLoader.LoadDirectory(dir.Path);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        var role = loaded.Set!.Roles[kind];
        Assert.Equal([ManifestTemplates.DefaultAgent(kind)], role.Agents);
        Assert.Contains($"--permissions {string.Join(",", StripePermissions.Plan(role))}", output);
        Assert.True(File.Exists(dir.File("manifest.schema.json")));
        // The same plan 'keys plan' prints, from the same code.
        var plan = await RunAsync(null, "keys", "plan", kind, "--manifests", dir.Path);
        Assert.Contains(plan.Out.Trim(), output);
    }

    [Fact]
    public async Task Flags_name_the_role_agent_and_mode_and_keep_the_template_comments()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = await RunAsync(null, "init", "subscriptions", "--agent", "plans-eu-bot", "--role", "plans-eu", "--mode", "live", "--manifests", dir.Path);
        Assert.True(code == 0, error);

        var text = File.ReadAllText(dir.File("plans-eu.json"));
        Assert.Contains("// Payload allowlists: plans-eu-bot may move", text);
        var role = ManifestLoader.LoadDirectory(dir.Path).Set!.Roles["plans-eu"];
        Assert.Equal(("plans-eu-bot", StripeMode.Live, "KEYBRAKE_STRIPE_KEY_PLANS_EU"), (role.Agents.Single(), role.Stripe.Mode, role.Stripe.KeyEnv));
    }

    [Fact]
    public async Task Refuses_to_overwrite_without_force()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, (await RunAsync(null, "init", "payment-capture", "--manifests", dir.Path)).Code);
        File.AppendAllText(dir.File("payment-capture.json"), "\n// operator's edits\n");

        var (code, _, error) = await RunAsync(null, "init", "payment-capture", "--manifests", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("--force", error);
        Assert.Contains("operator's edits", File.ReadAllText(dir.File("payment-capture.json")));

        Assert.Equal(0, (await RunAsync(null, "init", "payment-capture", "--force", "--manifests", dir.Path)).Code);
        Assert.DoesNotContain("operator's edits", File.ReadAllText(dir.File("payment-capture.json")));
    }

    [Fact]
    public async Task A_manifest_that_would_break_the_folder_is_not_written()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, (await RunAsync(null, "init", "support-refunds", "--manifests", dir.Path)).Code);

        // refund-bot already acts in support-refunds; an agent belongs to one role.
        var (code, _, error) = await RunAsync(null, "init", "payment-capture", "--agent", "refund-bot", "--manifests", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("also in role", error);
        Assert.Contains(dir.File("payment-capture.json"), error);
        Assert.False(File.Exists(dir.File("payment-capture.json")));
    }

    [Fact]
    public async Task On_a_terminal_missing_answers_are_asked_and_empty_answers_take_the_default()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = await RunAsync(new StringReader("refunds-eu\nops-refunder\n\n"), "init", "support-refunds", "--manifests", dir.Path);
        Assert.True(code == 0, error);
        Assert.Contains("Role name [support-refunds]:", output);
        Assert.Contains("Agent name [refund-bot]:", output);
        Assert.Contains("Stripe mode (test|live) [test]:", output);
        var role = ManifestLoader.LoadDirectory(dir.Path).Set!.Roles["refunds-eu"];
        Assert.Equal(("ops-refunder", StripeMode.Test), (role.Agents.Single(), role.Stripe.Mode));
    }

    [Fact]
    public async Task Bad_names_and_unknown_kinds_are_bad_usage()
    {
        using var dir = new TempDirectory();
        Assert.Equal(2, (await RunAsync(null, "init", "wire-transfers", "--manifests", dir.Path)).Code);
        Assert.Equal(2, (await RunAsync(null, "init", "support-refunds", "--role", "../escape", "--manifests", dir.Path)).Code);
        Assert.Equal(2, (await RunAsync(null, "init", "support-refunds", "--mode", "prod", "--manifests", dir.Path)).Code);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task Without_a_local_folder_init_writes_to_the_config_folder_and_servers_find_it_from_anywhere()
    {
        using var home = new TempDirectory();
        using var elsewhere = new TempDirectory();
        var env = new Dictionary<string, string?> { ["HOME"] = home.Path, ["XDG_CONFIG_HOME"] = "", ["KEYBRAKE_MANIFESTS"] = "" };

        var (code, output, error) = await BuiltTool.RunInAsync(elsewhere.Path, env, "init", "support-refunds");

        Assert.True(code == 0, error);
        var config = Path.Combine(home.Path, ".config", "keybrake", "tool-manifests");
        Assert.True(File.Exists(Path.Combine(config, "support-refunds.json")), output);
        Assert.Contains(Path.Combine(config, "support-refunds.json"), output);
        Assert.False(Directory.Exists(Path.Combine(elsewhere.Path, "tool-manifests")));
        Assert.Equal(0, (await BuiltTool.RunInAsync(elsewhere.Path, env, "validate")).ExitCode);
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task With_no_manifests_anywhere_the_error_names_every_folder_tried()
    {
        using var home = new TempDirectory();
        using var elsewhere = new TempDirectory();
        var env = new Dictionary<string, string?> { ["HOME"] = home.Path, ["XDG_CONFIG_HOME"] = "", ["KEYBRAKE_MANIFESTS"] = "" };

        var (code, _, error) = await BuiltTool.RunInAsync(elsewhere.Path, env, "serve", "--agent", "refund-bot");

        Assert.Equal(1, code);
        Assert.Contains("looked in ./tool-manifests and " + Path.Combine(home.Path, ".config", "keybrake", "tool-manifests"), error);
        Assert.Contains("keybrake-mcp init", error);
    }
}
