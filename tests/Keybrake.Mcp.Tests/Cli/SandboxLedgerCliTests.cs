using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>
/// The real ledger and the sandbox's are two files: every operator command takes --sandbox, says which ledger it acted
/// on, and warns when the agent it names only ever called through the other one.
/// </summary>
public sealed class SandboxLedgerCliTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args) =>
        InProcessCli.RunAsync(env, args);

    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
    };

    private static async Task CallThroughAsync(string path, string agent, string role)
    {
        using var database = new SqliteDatabase(path);
        await database.MigrateAsync(CancellationToken.None);
        await new SqlLedger(database, TimeProvider.System).RecordVerdictAsync(
            new Verdict($"call_{Guid.NewGuid():N}", new CallIdentity(agent, role), "issue_refund", "{}", "not_allowed", "test", null), CancellationToken.None);
    }

    private static async Task<Revocation?> RevocationAsync(string path, string agent, string role)
    {
        using var database = new SqliteDatabase(path);
        await database.MigrateAsync(CancellationToken.None);
        return await new SqlLedger(database, TimeProvider.System).FindRevocationAsync(new CallIdentity(agent, role), CancellationToken.None);
    }

    [Fact]
    public async Task Revoke_with_sandbox_acts_on_the_sandbox_ledger_and_says_so()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var sandboxLedger = dir.File("keybrake-sandbox.db");
        await CallThroughAsync(sandboxLedger, "refund-bot", "support-refunds");

        var (code, output, error) = await RunAsync(env, "revoke", "refund-bot", "--sandbox", "--reason", "drill");

        Assert.Equal(0, code);
        Assert.Contains($"ledger: {sandboxLedger} (sandbox)", error);
        Assert.Equal($"revoked agent 'refund-bot' in {sandboxLedger} (sandbox): their next call through it is refused", output.Trim());
        Assert.DoesNotContain("warning", error);
        Assert.NotNull(await RevocationAsync(sandboxLedger, "refund-bot", "support-refunds"));
        Assert.Null(await RevocationAsync(dir.File("keybrake.db"), "refund-bot", "support-refunds"));
    }

    [Fact]
    public async Task An_agent_seen_only_in_the_sandbox_is_named_when_the_real_ledger_is_used()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        await CallThroughAsync(dir.File("keybrake-sandbox.db"), "refund-bot", "support-refunds");

        var (code, _, error) = await RunAsync(env, "revoke", "refund-bot");

        Assert.Equal(0, code);
        Assert.Contains($"ledger: {dir.File("keybrake.db")}", error);
        Assert.Contains($"warning: agent 'refund-bot' has never called through this ledger ({dir.File("keybrake.db")}), but made 1 call(s) through " +
                        $"{dir.File("keybrake-sandbox.db")} (sandbox): add --sandbox to act there", error);
    }

    [Fact]
    public async Task And_the_other_way_round_for_audit_and_spend()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        await CallThroughAsync(dir.File("keybrake.db"), "capture-bot", "payment-capture");

        foreach (var args in new[] { new[] { "audit", "--agent", "capture-bot", "--sandbox" }, ["spend", "--agent", "capture-bot", "--sandbox"] })
        {
            var (code, _, error) = await RunAsync(env, args);
            Assert.Equal(0, code);
            Assert.Contains("drop --sandbox to act there", error);
        }
    }

    [Fact]
    public async Task Tokens_issued_for_the_sandbox_live_in_its_ledger()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);

        var (code, output, error) = await RunAsync(env, "token", "issue", "refund-bot", "--sandbox");

        Assert.Equal(0, code);
        Assert.StartsWith("kbk_", output.Trim());
        Assert.Contains("(sandbox)", error);
        Assert.Contains("--sandbox'", error);
        var (_, listed, _) = await RunAsync(env, "token", "list", "--sandbox", "--json");
        Assert.Contains("refund-bot", listed);
        var (_, real, _) = await RunAsync(env, "token", "list", "--json");
        Assert.Equal("", real.Trim());
    }
}
