using System.Text.Json;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary><c>audit verify</c>, <c>audit export</c> and the <c>hash</c> field of <c>audit --json</c>, through the real root command.</summary>
public sealed class AuditChainCliTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(args, _ => null, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Verify_prints_ok_with_counts_and_head_and_exits_0()
    {
        using var f = await ChainedLog.CreateAsync();
        var (code, output, error) = await RunAsync("audit", "verify", "--db", f.Database.Path);
        Assert.True(code == 0, error);
        var head = (await ChainedLog.EventsAsync(f))[^1].Hash;
        Assert.Equal($"ok: {ChainedLog.Events} events, {ChainedLog.Records} records, head {head}", output.Trim());
    }

    [Fact]
    public async Task Verify_exits_1_naming_an_edited_record()
    {
        using var f = await ChainedLog.CreateAsync();
        var callId = await ChainedLog.CallIdAsync(f, "allowed");
        await ChainedLog.SqlAsync(f, $"UPDATE audit SET amount = 99999 WHERE call_id = '{callId}'");
        var (code, output, error) = await RunAsync("audit", "verify", "--db", f.Database.Path);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal([$"ledger: {f.Database.Path}", $"broken at event seq 2 (call {callId}): audit record 1 differs from its latest event in amount"],
            error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Export_verifies_offline_and_a_tampered_line_exits_1_naming_it()
    {
        using var f = await ChainedLog.CreateAsync();
        var export = await RunAsync("audit", "export", "--db", f.Database.Path);
        Assert.Equal(0, export.Code);
        var lines = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ChainedLog.Events, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(["seq", "call_id", "at", "content", "prev_hash", "hash"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, first.GetProperty("content").ValueKind);

        var file = Path.Combine(Path.GetDirectoryName(f.Database.Path)!, "export.jsonl");
        await File.WriteAllTextAsync(file, export.Out);
        var offline = await RunAsync("audit", "verify", "--file", file);
        Assert.Equal((0, (await RunAsync("audit", "verify", "--db", f.Database.Path)).Out), (offline.Code, offline.Out));

        lines[1] = lines[1].Replace("\"amount\":1234", "\"amount\":1", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(file, lines);
        var tampered = await RunAsync("audit", "verify", "--file", file);
        Assert.Equal(1, tampered.Code);
        Assert.StartsWith("broken at line 2 (event seq 2, call call_", tampered.Err);
        Assert.Contains("hash does not match its prev_hash and content", tampered.Err);
    }

    [Fact]
    public async Task Verify_of_a_missing_file_is_bad_usage()
    {
        Assert.Equal(2, (await RunAsync("audit", "verify", "--file", "/nonexistent/export.jsonl")).Code);
    }

    [Fact]
    public async Task Audit_json_lines_carry_the_latest_event_hash_next_to_the_contract_fields()
    {
        using var f = await ChainedLog.CreateAsync();
        var (code, output, _) = await RunAsync("audit", "--json", "--db", f.Database.Path);
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var events = await ChainedLog.EventsAsync(f);
        Assert.Equal(ChainedLog.Records, lines.Count);
        foreach (var line in lines)
        {
            Assert.Equal(
                ["id", "call_id", "time", "agent", "role", "tool", "outcome", "code", "message", "amount", "currency", "object", "stripe_request_id", "idempotency_key", "duration_ms", "arguments", "hash"],
                line.EnumerateObject().Select(p => p.Name));
            Assert.Equal(events.Last(e => e.CallId == line.GetProperty("call_id").GetString()).Hash, line.GetProperty("hash").GetString());
        }

        // The plain command and its options work as before next to the new subcommands.
        var limited = await RunAsync("audit", "--json", "--limit", "1", "--agent", "refund-bot", "--db", f.Database.Path);
        Assert.Equal("allowed", JsonDocument.Parse(limited.Out).RootElement.GetProperty("outcome").GetString());
        Assert.Contains("OUTCOME", (await RunAsync("audit", "--db", f.Database.Path)).Out);
    }
}
