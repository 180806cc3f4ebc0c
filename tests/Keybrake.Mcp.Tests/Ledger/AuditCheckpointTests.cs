using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Ledger;

/// <summary>
/// Signed checkpoints of the audit chain's head against an insider who can write the ledger: a cut tail and a re-hashed
/// chain verify on their own, and each is caught by a checkpoint, as are forged checkpoints and the wrong key.
/// </summary>
public sealed class AuditCheckpointTests
{
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.Parse("2026-12-05T03:00:00.123Z", CultureInfo.InvariantCulture);

    private static async Task<AuditCheckpoint> CheckpointAsync(PipelineFixture f, AuditSigningKey key, int seq = 0)
    {
        var events = await ChainedLog.EventsAsync(f);
        var e = seq == 0 ? events[^1] : events[seq - 1];
        return AuditCheckpoint.Sign(key, e.Seq, e.Hash, SignedAt);
    }

    /// <summary>Plain verification, then the checkpoints (as lines 1, 2, ... of a file) against the same chain.</summary>
    private static async Task<(AuditChainReport Chain, AuditCheckpointReport Checkpoints)> VerifyAsync(PipelineFixture f, AuditVerifyingKey key, params string[] lines)
    {
        var chain = await f.Ledger.VerifyChainAsync(CancellationToken.None);
        var check = new AuditCheckpointCheck(key, [.. lines.Select((l, i) => new AuditCheckpointLine(i + 1, AuditCheckpoint.Parse(l, out var problem), problem))]);
        foreach (var e in await ChainedLog.EventsAsync(f))
        {
            check.Observe(e);
        }

        return (chain, check.Finish());
    }

    [Fact]
    public async Task A_checkpoint_signs_its_fields_as_canonical_json_that_any_ecdsa_verifier_can_check()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var checkpoint = await CheckpointAsync(f, key);
        var line = JsonNode.Parse(checkpoint.ToLine())!.AsObject();

        Assert.Equal(["type", "seq", "head", "time", "key_id", "signature"], line.Select(p => p.Key));
        Assert.Equal((AuditCheckpoint.Type, 8L, "2026-12-05T03:00:00.123Z"), (line["type"]!.GetValue<string>(), line["seq"]!.GetValue<long>(), line["time"]!.GetValue<string>()));
        Assert.Equal((await f.Ledger.VerifyChainAsync(CancellationToken.None)).Head, line["head"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{16}$", checkpoint.KeyId);

        // The signed bytes are the line without its signature, keys sorted, no spaces (jq -cjS 'del(.signature)'),
        // checked here with the platform's ECDSA and nothing of ours but the .pub file's PEM.
        var signed = (JsonObject)line.DeepClone();
        signed.Remove("signature");
        var payload = Encoding.UTF8.GetBytes(AuditChainContent.Canonicalize(signed));
        Assert.Equal(payload, checkpoint.SignedBytes());
        using var verifier = ECDsa.Create();
        verifier.ImportFromPem(key.Public.ToPem());
        Assert.True(verifier.VerifyData(payload, Convert.FromBase64String(line["signature"]!.GetValue<string>()), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        Assert.Equal(checkpoint, AuditCheckpoint.Parse(checkpoint.ToLine(), out _));
        var (chain, report) = await VerifyAsync(f, key.Public, checkpoint.ToLine());
        Assert.True(chain.Ok && report.Ok, report.ToString());
        Assert.Equal($"checkpoints ok: 1 signed by key {key.Public.KeyId} agree with the chain, the latest at seq 8 (2026-12-05T03:00:00.123Z)", report.ToString());
    }

    [Fact]
    public async Task Events_after_the_latest_checkpoint_are_counted_as_not_checkpointed_yet()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var (_, report) = await VerifyAsync(f, key.Public, (await CheckpointAsync(f, key, seq: 2)).ToLine(), (await CheckpointAsync(f, key, seq: 6)).ToLine());
        Assert.True(report.Ok, report.ToString());
        Assert.EndsWith("the latest at seq 6 (2026-12-05T03:00:00.123Z); 2 later event(s) not checkpointed yet", report.ToString());
    }

    [Fact]
    public async Task Cutting_off_the_chains_end_verifies_alone_but_a_checkpoint_names_the_events_cut()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var checkpoint = await CheckpointAsync(f, key);

        // The last call (events 6 to 8) and its row go, as an insider would drop them: the rest still links.
        await ChainTampering.CutLastCallAsync(f.Database.Path, await ChainedLog.CallIdAsync(f, "unknown"));
        var (chain, report) = await VerifyAsync(f, key.Public, checkpoint.ToLine());

        Assert.True(chain.Ok, chain.ToString());
        Assert.Equal((5L, 3), (chain.Events, chain.Records));
        Assert.False(report.Ok);
        Assert.Equal((1L, 8L), (report.Break!.Line, report.Break.Seq ?? 0));
        Assert.Equal("broken at checkpoint line 1 (seq 8): the chain ends at seq 5, but this checkpoint signed at 2026-12-05T03:00:00.123Z says it reached seq 8: " +
                     "events seq 6 to 8 were cut off its end", report.ToString());
    }

    [Fact]
    public async Task Changing_an_amount_and_rehashing_every_later_event_verifies_alone_but_not_against_checkpoints()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var early = await CheckpointAsync(f, key, seq: 1);
        var atTheEdit = await CheckpointAsync(f, key, seq: 2);
        var head = await CheckpointAsync(f, key);
        var callId = await ChainedLog.CallIdAsync(f, "allowed");

        await ChainTampering.RewriteAsync(f.Database.Path, callId, "amount", 1);
        var (chain, report) = await VerifyAsync(f, key.Public, early.ToLine(), head.ToLine());

        Assert.True(chain.Ok, chain.ToString());
        Assert.Equal(1, (await f.AuditAsync()).Single(r => r.CallId == callId).Amount);
        Assert.NotEqual(head.Head, chain.Head);
        var events = await ChainedLog.EventsAsync(f);
        Assert.Equal($"broken at checkpoint line 2 (seq 8): event seq 8 (call {events[^1].CallId}) has hash {events[^1].Hash}, but this checkpoint signed at " +
                     $"2026-12-05T03:00:00.123Z says {head.Head}: an event from seq 2 to 8 was changed and the chain re-hashed after it " +
                     "(up to seq 1 the chain agrees with an earlier checkpoint)", report.ToString());

        // With a checkpoint at the changed event itself, that event is named.
        var (_, exact) = await VerifyAsync(f, key.Public, head.ToLine(), atTheEdit.ToLine(), early.ToLine());
        Assert.Equal($"broken at checkpoint line 2 (seq 2): event seq 2 (call {callId}) has hash {events[1].Hash}, but this checkpoint signed at " +
                     $"2026-12-05T03:00:00.123Z says {atTheEdit.Head}: event seq 2 was changed (up to seq 1 the chain agrees with an earlier checkpoint)",
            exact.ToString());
    }

    [Theory]
    [InlineData("head")]
    [InlineData("seq")]
    [InlineData("time")]
    public async Task A_checkpoint_changed_after_signing_does_not_verify(string field)
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var line = JsonNode.Parse((await CheckpointAsync(f, key)).ToLine())!.AsObject();
        var events = await ChainedLog.EventsAsync(f);
        line[field] = field switch
        {
            // A forger who cut the tail would like the checkpoint to name the new end, with its hash.
            "head" => events[4].Hash,
            "seq" => 5,
            _ => "2026-12-05T04:00:00.123Z",
        };

        var (_, report) = await VerifyAsync(f, key.Public, line.ToJsonString());

        Assert.Equal($"broken at checkpoint line 1 (seq {line["seq"]}): its signature does not verify with key {key.Public.KeyId}: " +
                     "the checkpoint was altered or forged after signing", report.ToString());
    }

    [Fact]
    public async Task Checkpoints_of_another_key_are_refused_even_when_they_claim_the_right_key_id()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        using var other = AuditSigningKey.Generate();
        var checkpoint = await CheckpointAsync(f, other);

        var (_, wrongKey) = await VerifyAsync(f, key.Public, checkpoint.ToLine());
        Assert.Equal($"broken at checkpoint line 1 (seq 8): signed by key {other.Public.KeyId}, not by the public key given ({key.Public.KeyId}): " +
                     "a wrong key, or a checkpoint forged with another key", wrongKey.ToString());

        var claimed = (checkpoint with { KeyId = key.Public.KeyId }).ToLine();
        var (_, forged) = await VerifyAsync(f, key.Public, (await CheckpointAsync(f, key)).ToLine(), claimed);
        Assert.Equal((2L, 8L), (forged.Break?.Line, forged.Break?.Seq));
        Assert.Contains("its signature does not verify", forged.ToString());
    }

    [Fact]
    public async Task A_line_that_is_not_a_checkpoint_or_a_file_without_any_is_a_failure()
    {
        using var f = await ChainedLog.CreateAsync();
        using var key = AuditSigningKey.Generate();
        var (_, garbled) = await VerifyAsync(f, key.Public, (await CheckpointAsync(f, key)).ToLine(), "{ not json");
        Assert.StartsWith("broken at checkpoint line 2: not a checkpoint (", garbled.ToString());
        var (_, none) = await VerifyAsync(f, key.Public);
        Assert.False(none.Ok);
        Assert.Equal("checkpoints broken: no checkpoints to check against", none.ToString());
    }

    [Fact]
    public async Task An_empty_chain_can_be_checkpointed()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        using var key = AuditSigningKey.Generate();
        var checkpoint = AuditCheckpoint.Sign(key, 0, AuditChainContent.Genesis, SignedAt);
        var (chain, report) = await VerifyAsync(f, key.Public, checkpoint.ToLine());
        Assert.True(chain.Ok && report.Ok, report.ToString());
        JsonDocument.Parse(checkpoint.ToLine()).Dispose();
    }
}
