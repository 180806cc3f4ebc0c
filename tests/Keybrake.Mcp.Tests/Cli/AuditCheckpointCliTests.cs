using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger.Checkpoints;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Cli;

/// <summary>
/// <c>audit keygen</c>, <c>audit checkpoint</c> and <c>audit verify --checkpoints --public-key</c> through the real root
/// command: on the ledger and offline on an export, and each tampering an insider could do with SQL named.
/// </summary>
public sealed class AuditCheckpointCliTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KeybrakeCli.RunAsync(args, _ => null, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<(string Key, string Checkpoints)> SignAsync(PipelineFixture f, TempDirectory dir)
    {
        var key = dir.File("audit-key.pem");
        Assert.Equal(0, (await RunAsync("audit", "keygen", "--out", key)).Code);
        var checkpoints = dir.File("checkpoints.jsonl");
        var (code, output, error) = await RunAsync("audit", "checkpoint", "--key", key, "--out", checkpoints, "--db", f.Database.Path);
        Assert.True(code == 0, error);
        Assert.Empty(output);
        return (key, checkpoints);
    }

    [Fact]
    public async Task Keygen_writes_a_pem_pair_with_a_private_key_only_its_owner_reads_and_never_overwrites_one()
    {
        using var dir = new TempDirectory();
        var key = dir.File("audit-key.pem");

        var (code, output, error) = await RunAsync("audit", "keygen", "--out", key);

        Assert.True(code == 0, error);
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(key) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(key));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await File.ReadAllTextAsync(key + ".pub"));
        using var loaded = AuditSigningKey.Load(key);
        using var pub = AuditVerifyingKey.Load(key + ".pub");
        Assert.Equal(loaded.Public.KeyId, pub.KeyId);
        Assert.StartsWith($"key id {pub.KeyId}\n", output.ReplaceLineEndings("\n"));

        var before = await File.ReadAllTextAsync(key);
        var (again, _, againError) = await RunAsync("audit", "keygen", "--out", key);
        Assert.Equal(ExitCodes.CheckFailed, again);
        Assert.Contains($"{key} already exists; keygen never overwrites a key", againError);
        Assert.Equal(before, await File.ReadAllTextAsync(key));
    }

    [Fact]
    public async Task A_checkpoint_verifies_against_the_ledger_and_offline_against_an_export_with_only_the_public_key()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var (key, checkpoints) = await SignAsync(f, dir);
        var keyId = AuditVerifyingKey.Load(key + ".pub").KeyId;

        var (code, output, error) = await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(code == 0, error);
        var lines = output.Trim().Split('\n');
        Assert.StartsWith("ok: 8 events, 4 records, head ", lines[0]);
        Assert.Matches($@"^checkpoints ok: 1 signed by key {keyId} agree with the chain, the latest at seq 8 \(\d{{4}}-\d\d-\d\dT[\d:.]+Z\)$", lines[1]);

        // On stdout without --out; the auditor's copy: an export and the checkpoints, checked with the public key alone.
        var (printed, line, _) = await RunAsync("audit", "checkpoint", "--key", key, "--db", f.Database.Path);
        Assert.Equal(0, printed);
        Assert.StartsWith("{\"type\":\"keybrake.audit.checkpoint.v1\",\"seq\":8,", line);
        var export = dir.File("export.jsonl");
        await File.WriteAllTextAsync(export, (await RunAsync("audit", "export", "--db", f.Database.Path)).Out);
        var offline = await RunAsync("audit", "verify", "--file", export, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.True(offline.Code == 0, offline.Err);
        Assert.Contains("checkpoints ok: 1 signed by key", offline.Out);
    }

    [Fact]
    public async Task A_rehashed_chain_and_a_cut_tail_exit_1_naming_the_checkpoint_and_the_seq()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var (key, checkpoints) = await SignAsync(f, dir);
        var signed = (await AuditCheckpointFile.ReadAsync(checkpoints, CancellationToken.None)).Single().Checkpoint!;

        await ChainTampering.RewriteAsync(f.Database.Path, await ChainedLog.CallIdAsync(f, "allowed"), "amount", 1);
        var plain = await RunAsync("audit", "verify", "--db", f.Database.Path);
        Assert.Equal(0, plain.Code);

        var (code, output, error) = await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, code);
        Assert.StartsWith("ok: 8 events", output);
        Assert.Contains($"broken at checkpoint line 1 (seq 8): event seq 8 (call ", error);
        Assert.Contains($"but this checkpoint signed at {Keybrake.Mcp.Ledger.AuditRecordJson.Time(signed.Time)} says {signed.Head}: " +
                        "an event from seq 1 to 8 was changed and the chain re-hashed after it", error);

        // A signer refuses to vouch for a chain that disagrees with the checkpoints it appends to.
        var (refused, _, refusal) = await RunAsync("audit", "checkpoint", "--key", key, "--out", checkpoints, "--db", f.Database.Path);
        Assert.Equal(ExitCodes.CheckFailed, refused);
        Assert.Contains($"audit checkpoint: refusing to sign: the chain no longer agrees with {checkpoints}: broken at checkpoint line 1 (seq 8)", refusal);
        Assert.Single(await AuditCheckpointFile.ReadAsync(checkpoints, CancellationToken.None));

        await ChainTampering.CutLastCallAsync(f.Database.Path, await ChainedLog.CallIdAsync(f, "unknown"));
        var cut = await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, cut.Code);
        Assert.StartsWith("ok: 5 events, 3 records", cut.Out);
        Assert.Contains("broken at checkpoint line 1 (seq 8): the chain ends at seq 5, but this checkpoint signed at ", cut.Err);
        Assert.Contains("events seq 6 to 8 were cut off its end", cut.Err);
    }

    [Fact]
    public async Task A_reordered_export_is_named_at_its_line_and_reordered_and_rehashed_by_the_checkpoint()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var (key, checkpoints) = await SignAsync(f, dir);
        var export = dir.File("export.jsonl");
        var lines = (await RunAsync("audit", "export", "--db", f.Database.Path)).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        (lines[2], lines[3]) = (lines[3], lines[2]);
        await File.WriteAllLinesAsync(export, lines);
        var swapped = await RunAsync("audit", "verify", "--file", export, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, swapped.Code);
        Assert.StartsWith("broken at line 3 (event seq 4, call call_", swapped.Err);
        Assert.Contains("event seq 3 is missing", swapped.Err);

        // Renumbered and re-hashed in the ledger itself, the new order links and matches every row: only the checkpoint disagrees.
        await ChainTampering.SwapAndRehashAsync(f.Database.Path, 3, 4);
        Assert.Equal(0, (await RunAsync("audit", "verify", "--db", f.Database.Path)).Code);
        await File.WriteAllTextAsync(export, (await RunAsync("audit", "export", "--db", f.Database.Path)).Out);
        var rehashed = await RunAsync("audit", "verify", "--file", export, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, rehashed.Code);
        Assert.Contains("broken at checkpoint line 1 (seq 8): event seq 8 (call ", rehashed.Err);
    }

    [Fact]
    public async Task A_forged_checkpoint_or_the_wrong_public_key_exits_1_naming_the_line()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var (key, checkpoints) = await SignAsync(f, dir);
        var other = dir.File("other.pem");
        Assert.Equal(0, (await RunAsync("audit", "keygen", "--out", other)).Code);

        var wrongKey = await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", other + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, wrongKey.Code);
        Assert.Contains($"broken at checkpoint line 1 (seq 8): signed by key {AuditVerifyingKey.Load(key + ".pub").KeyId}, not by the public key given", wrongKey.Err);

        var text = await File.ReadAllTextAsync(checkpoints);
        await File.WriteAllTextAsync(checkpoints, text.Replace("\"seq\":8", "\"seq\":7", StringComparison.Ordinal));
        var forged = await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", key + ".pub");
        Assert.Equal(ExitCodes.CheckFailed, forged.Code);
        Assert.Contains("broken at checkpoint line 1 (seq 7): its signature does not verify with key", forged.Err);
    }

    [Fact]
    public async Task Bad_usage_exits_2_and_a_key_others_can_read_is_warned_about()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        var (key, checkpoints) = await SignAsync(f, dir);
        Assert.Equal(2, (await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints)).Code);
        Assert.Equal(2, (await RunAsync("audit", "verify", "--db", f.Database.Path, "--checkpoints", checkpoints, "--public-key", dir.File("none.pub"))).Code);
        var (publicAsPrivate, _, error) = await RunAsync("audit", "checkpoint", "--key", key + ".pub", "--db", f.Database.Path);
        Assert.Equal(2, publicAsPrivate);
        Assert.Contains("holds a public key; give the private key file", error);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var (readable, _, warning) = await RunAsync("audit", "checkpoint", "--key", key, "--db", f.Database.Path);
            Assert.Equal(0, readable);
            Assert.Contains($"warning: --key: {key} can be read by other users; 'chmod 600 {key}'", warning);
        }

        await File.WriteAllTextAsync(dir.File("junk.pem"), "not a key");
        var (junk, _, junkError) = await RunAsync("audit", "checkpoint", "--key", dir.File("junk.pem"), "--db", f.Database.Path);
        Assert.Equal(2, junk);
        Assert.Contains("is not a PEM EC key", junkError);
    }
}
