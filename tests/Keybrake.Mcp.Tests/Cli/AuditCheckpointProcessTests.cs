using System.Text.Json;
using Keybrake.Mcp.Ledger.Checkpoints;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>Keygen, checkpoint and verify run as the built tool (the CI runs these against the native binary too), and a server signing as it serves.</summary>
[Trait("Category", "Process")]
public sealed class AuditCheckpointProcessTests
{
    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
        ["HOME"] = dir.Path,
        ["KEYBRAKE_STRIPE_API_BASE"] = null,
        ["KEYBRAKE_AUDIT_KEY"] = null,
        ["KEYBRAKE_AUDIT_ANCHORS"] = null,
    };

    [Fact]
    public async Task Keygen_checkpoint_and_verify_catch_a_cut_tail_as_the_built_tool()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var env = Environment(dir);
        env["KEYBRAKE_DB"] = f.Database.Path;
        var key = dir.File("audit-key.pem");
        var checkpoints = dir.File("checkpoints.jsonl");

        var keygen = await BuiltTool.RunAsync(env, "audit", "keygen", "--out", key);
        Assert.True(keygen.ExitCode == 0, keygen.Stderr);
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(key) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var checkpoint = await BuiltTool.RunAsync(env, "audit", "checkpoint", "--key", key, "--out", checkpoints);
        Assert.True(checkpoint.ExitCode == 0, checkpoint.Stderr);
        Assert.Contains("checkpoint: seq 8, head ", checkpoint.Stderr);

        var verify = await BuiltTool.RunAsync(env, "audit", "verify", "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("checkpoints ok: 1 signed by key", verify.Stdout);

        var export = await BuiltTool.RunAsync(env, "audit", "export");
        await File.WriteAllTextAsync(dir.File("export.jsonl"), export.Stdout);
        var offline = await BuiltTool.RunAsync(env, "audit", "verify", "--file", dir.File("export.jsonl"), "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(offline.ExitCode == 0, offline.Stderr);

        await ChainTampering.CutLastCallAsync(f.Database.Path, await ChainedLog.CallIdAsync(f, "unknown"));
        var cut = await BuiltTool.RunAsync(env, "audit", "verify", "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(1, cut.ExitCode);
        Assert.Contains("broken at checkpoint line 1 (seq 8): the chain ends at seq 5", cut.Stderr);
    }

    [Fact]
    public async Task A_server_with_an_audit_key_checkpoints_to_its_anchor_at_start_and_at_exit()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var key = dir.File("audit-key.pem");
        Assert.Equal(0, (await BuiltTool.RunAsync(env, "audit", "keygen", "--out", key)).ExitCode);
        env["KEYBRAKE_AUDIT_ANCHORS"] = dir.File("checkpoints.jsonl");

        await using (var server = await BuiltTool.ServeAsync("refund-bot", env, "--sandbox", "--audit-key", key))
        {
            var refund = await server.Client.CallToolAsync("issue_refund", new Dictionary<string, object?>
            {
                ["payment_intent"] = JsonSerializer.SerializeToElement("pi_SandboxPaid01"), ["amount"] = JsonSerializer.SerializeToElement(500),
            });
            refund.AssertSuccess();
        }

        var lines = await AuditCheckpointFile.ReadAsync(dir.File("checkpoints.jsonl"), CancellationToken.None);
        // One at start, one at exit covering the refund's two events.
        Assert.True(lines.Count >= 2 && lines[^1].Checkpoint!.Seq >= lines[0].Checkpoint!.Seq + 2, string.Join("\n", lines.Select(l => l.Checkpoint?.ToLine())));
        var verify = await BuiltTool.RunAsync(env, "audit", "verify", "--sandbox", "--checkpoints", dir.File("checkpoints.jsonl"), "--public-key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains($"checkpoints ok: {lines.Count} signed by key", verify.Stdout);
    }

    [Fact]
    public async Task A_bad_audit_key_stops_serve_with_exit_2_naming_it()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        env["KEYBRAKE_AUDIT_KEY"] = dir.File("missing.pem");
        var (code, _, stderr) = await BuiltTool.RunAsync(env, "serve", "--sandbox", "--agent", "refund-bot");
        Assert.Equal(2, code);
        Assert.Contains($"serve: KEYBRAKE_AUDIT_KEY: cannot read {dir.File("missing.pem")}", stderr);
    }
}
