using Keybrake.Mcp.Ledger.Sqlite;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Tests.Ledger;

/// <summary>If the ledger cannot record a call, the call does not reach Stripe; reads continue only where a manifest allows.</summary>
public sealed class FailClosedTests
{
    private static JsonObject Refund => new() { ["payment_intent"] = "pi_1", ["amount"] = 100 };

    [Fact]
    public async Task A_deleted_ledger_refuses_calls_instead_of_starting_a_fresh_one()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        Assert.False((await f.CallAsync("refund-bot", Refund)).IsError);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(f.Database.Path)!, "keybrake.db*"))
        {
            File.Delete(file);
        }

        var response = await f.CallAsync("refund-bot", new JsonObject { ["payment_intent"] = "pi_2", ["amount"] = 100 });
        Assert.Equal("unavailable", response.Code());
        Assert.Equal(1, f.Operation.Executions);
        Assert.False(File.Exists(f.Database.Path));
    }

    [Fact]
    public async Task A_ledger_replaced_by_a_foreign_file_refuses_calls()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(f.Database.Path)!, "keybrake.db*"))
        {
            File.Delete(file);
        }

        await File.WriteAllTextAsync(f.Database.Path, "this is not a database");
        Assert.Equal("unavailable", (await f.CallAsync("refund-bot", Refund)).Code());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task Reads_continue_unaudited_while_the_ledger_is_locked_only_when_the_manifest_allows()
    {
        var read = new FakeOperation("get_payment_intent") { Effect = ToolEffect.Read };
        read.Execute = (_, _) => new ExecutionResult.Succeeded(new JsonObject { ["id"] = "pi_1" }, null, "pi_1", null);
        var role = Roles.Refunds() with
        {
            Tools = ImmutableDictionary<string, ToolGrant>.Empty.Add("get_payment_intent", new ToolGrant()),
        };

        foreach (var allowed in new[] { false, true })
        {
            using var f = new PipelineFixture(role with { ReadsWithoutLedger = allowed }, read);
            var locked = new SqlLedger(new SqliteDatabase(f.Database.Path, TimeSpan.FromMilliseconds(100)), f.Clock);
            var pipeline = f.PipelineOver(locked);
            await using var holder = await RawSql.OpenAsync(f.Database.Path);
            using var tx = holder.BeginTransaction(deferred: false);
            await new SqliteCommand("INSERT INTO revocation (scope, revoked_at_ms) VALUES ('agent:x', 0)", holder, tx).ExecuteNonQueryAsync();

            var response = await pipeline.RunAsync("refund-bot", "get_payment_intent", new JsonObject { ["payment_intent"] = "pi_1" }, CancellationToken.None);
            if (allowed)
            {
                Assert.False(response.IsError, response.Text);
                Assert.Equal("pi_1", response.Structured["id"]!.GetValue<string>());
            }
            else
            {
                Assert.Equal("unavailable", response.Code());
            }
        }
    }
}
