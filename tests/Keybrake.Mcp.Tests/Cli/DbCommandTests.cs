using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>
/// <c>--db</c> takes a SQLite file or a PostgreSQL URL and nothing else; <c>db migrate</c> creates or upgrades a schema;
/// <c>db copy</c> moves a ledger into an empty PostgreSQL database with its chain intact, and every command then works
/// on it as it did on the file. The database's password never appears in what a command prints.
/// </summary>
public sealed class DbCommandTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args) =>
        InProcessCli.RunAsync(env, args);

    private static Dictionary<string, string?> Environment(TempDirectory dir) => new()
    {
        ["KEYBRAKE_MANIFESTS"] = Path.Combine(BuiltTool.RepoRoot, "tool-manifests"),
        ["KEYBRAKE_DB"] = dir.File("keybrake.db"),
        ["HOME"] = dir.Path,
    };

    [Theory]
    [InlineData("--db", "mysql://root@localhost/keybrake", "'mysql://' is not a ledger this server can use")]
    [InlineData("--db", "postgres://localhost", "a PostgreSQL URL names a host and a database")]
    [InlineData("--db", "postgres://u:p@localhost/db?sslmode=sometimes", "sslmode 'sometimes' is not one of")]
    [InlineData("--db", "postgres://u:p@localhost/db?search_path=x", "'search_path' is not a setting keybrake-mcp takes")]
    public async Task A_ledger_that_is_neither_a_file_nor_a_postgres_url_is_bad_usage_and_creates_nothing(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var before = Directory.GetFileSystemEntries(Directory.GetCurrentDirectory()).Length;

        var (code, _, error) = await RunAsync(env, "revoke", "refund-bot", option, value);

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains(message, error);
        Assert.Equal(before, Directory.GetFileSystemEntries(Directory.GetCurrentDirectory()).Length);
        Assert.False(Directory.Exists(Path.Combine(Directory.GetCurrentDirectory(), "mysql:")));

        env["KEYBRAKE_DB"] = value;
        var (fromEnv, _, envError) = await RunAsync(env, "spend");
        Assert.Equal(ExitCodes.BadUsage, fromEnv);
        Assert.StartsWith("KEYBRAKE_DB: ", envError);
    }

    [Fact]
    public async Task Migrate_creates_the_schema_then_finds_it_up_to_date()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var url = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();

        foreach (var db in new[] { dir.File("keybrake.db"), url })
        {
            var (first, created, _) = await RunAsync(env, "db", "migrate", "--db", db);
            var (again, current, _) = await RunAsync(env, "db", "migrate", "--db", db);
            Assert.Equal((0, 0), (first, again));
            Assert.Matches(@"schema version 0 -> \d+$", created.Trim());
            Assert.Matches(@"schema version \d+, up to date$", current.Trim());
            Assert.DoesNotContain(PostgresCluster.Password, created + current);
        }
    }

    [Fact]
    public async Task A_ledger_copied_to_postgres_keeps_its_chain_spend_tokens_and_revocations()
    {
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var file = dir.File("keybrake.db");
        var url = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();

        // A ledger with some history: a settled refund, one still held, a refusal, a revocation and a token.
        using (var database = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(file), null, CancellationToken.None))
        {
            var ledger = new SqlLedger(database, TimeProvider.System);
            var who = new CallIdentity("refund-bot", "support-refunds");
            var budgets = Keybrake.Mcp.Manifests.ManifestLoader.LoadDirectory(env["KEYBRAKE_MANIFESTS"]!).Set!.Roles["support-refunds"].Budgets;
            foreach (var (callId, settle) in new[] { ("call_a", true), ("call_b", false) })
            {
                await ledger.StartCallAsync(new CallStart
                {
                    CallId = callId, Who = who, Tool = "issue_refund", Arguments = "{}", RetryHorizon = DateTimeOffset.MinValue, IdempotencyKey = $"kb_{callId}",
                    Hold = Keybrake.Mcp.Money.MoneyAmount.Parse("12.50 USD"), Budgets = budgets, Fingerprint = $"fp_{callId}",
                }, CancellationToken.None);
                if (settle)
                {
                    await ledger.CompleteCallAsync(new CallCompletion { CallId = callId, Outcome = "allowed", MovedMinor = 1250, Currency = "usd", DurationMs = 4 }, CancellationToken.None);
                }
            }

            await ledger.RecordVerdictAsync(new Verdict("call_c", who, "issue_refund", "{}", "not_allowed", "no", null), CancellationToken.None);
            await ledger.RevokeAsync("agent:other-bot", "copied", CancellationToken.None);
        }

        var (_, token, _) = await RunAsync(env, "token", "issue", "refund-bot");
        var (_, spendBefore, _) = await RunAsync(env, "spend", "--json");

        var (code, output, error) = await RunAsync(env, "db", "copy", "--from", file, "--to", url);

        Assert.True(code == 0, error);
        Assert.True(output.Contains("3 audit, 4 audit_chain", StringComparison.Ordinal), output);
        Assert.Contains("chain verified on", output);
        Assert.DoesNotContain(PostgresCluster.Password, output + error);
        env["KEYBRAKE_DB"] = url;
        var (verified, verifyOut, verifyErr) = await RunAsync(env, "audit", "verify");
        Assert.True(verified == 0, verifyOut + verifyErr);
        var (_, spendAfter, _) = await RunAsync(env, "spend", "--json");
        Assert.Equal(spendBefore, spendAfter);
        using (var copied = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(url), null, CancellationToken.None))
        {
            Assert.Equal("refund-bot", (await new AgentTokens(copied, TimeProvider.System).ValidateAsync(token.Trim(), CancellationToken.None))?.Agent);
            Assert.Equal("copied", (await new SqlLedger(copied, TimeProvider.System).FindRevocationAsync(new CallIdentity("other-bot", "r"), CancellationToken.None))?.Reason);
        }

        // Into a ledger that is no longer empty: refused, nothing written twice.
        var (again, _, againError) = await RunAsync(env, "db", "copy", "--from", file, "--to", url);
        Assert.Equal(ExitCodes.CheckFailed, again);
        Assert.Contains("already holds a ledger", againError);
        Assert.DoesNotContain(PostgresCluster.Password, againError);
    }

    [Fact]
    public async Task Checkpoints_signed_on_sqlite_verify_on_the_postgres_copy()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var env = Environment(dir);
        var url = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
        var key = dir.File("audit-key.pem");
        var checkpoints = dir.File("checkpoints.jsonl");
        Assert.Equal(0, (await RunAsync(env, "audit", "keygen", "--out", key)).Code);
        var (signed, _, signError) = await RunAsync(env, "audit", "checkpoint", "--key", key, "--out", checkpoints, "--db", f.Database.Path);
        Assert.True(signed == 0, signError);

        var (copied, _, copyError) = await RunAsync(env, "db", "copy", "--from", f.Database.Path, "--to", url);
        Assert.True(copied == 0, copyError);

        // The chain is copied as it is, so the checkpoint signed on the file holds on PostgreSQL, and signing goes on there.
        var (verified, output, error) = await RunAsync(env, "audit", "verify", "--db", url, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(verified == 0, output + error);
        Assert.Contains("checkpoints ok: 1 signed by key", output);
        using (var database = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(url), null, CancellationToken.None))
        {
            await new SqlLedger(database, TimeProvider.System).RecordVerdictAsync(
                new Verdict("call_on_postgres", new CallIdentity("refund-bot", "support-refunds"), "issue_refund", "{}", "not_allowed", "no", null), CancellationToken.None);
        }

        Assert.Equal(0, (await RunAsync(env, "audit", "checkpoint", "--key", key, "--out", checkpoints, "--db", url)).Code);
        var (again, againOut, againError) = await RunAsync(env, "audit", "verify", "--db", url, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(again == 0, againOut + againError);
        Assert.Contains("checkpoints ok: 2 signed by key", againOut);
        Assert.Contains("the latest at seq 9", againOut);
        Assert.DoesNotContain(PostgresCluster.Password, output + error + againOut + againError);
    }
}
