using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Sqlite;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Time.Testing;

namespace Keybrake.Mcp.Tests.Ledger;

/// <summary>The audit hash chain over a real SQLite ledger: written with every audit write, broken by any tampering.</summary>
public sealed class AuditChainTests
{
    private static Task<AuditChainReport> VerifyAsync(PipelineFixture f) => f.Ledger.VerifyChainAsync(CancellationToken.None);

    public static TheoryData<string> Arguments => new()
    {
        "{}",
        """{"payment_intent":"pi_1","amount":100}""",
        """{"z":1,"a":{"y":[3,2,{"b":null,"a":true}],"x":"\u00e9\u2028<tag> & \"quotes\""},"n":-1.50e3,"m":0.1}""",
        """{"approval_id":"apr_1","decision":"approve","by":"alice (terminal)","reason":null}""",
        """{"emoji":"\ud83d\udcb8","ctrl":"\u0001\t\n","big":12345678901234567890}""",
        """{"id":0,"nested":{"id":"0","idempotency_key":null}}""",
    };

    [Theory]
    [MemberData(nameof(Arguments))]
    public void Sealed_content_is_the_canonical_form_of_the_contract_fields(string arguments)
    {
        // The writer seals with a field-by-field fast path; it must equal the canonical JSON of the record's contract
        // fields byte for byte, or chains sealed before it would no longer verify.
        foreach (var record in new[]
        {
            new AuditRecord
            {
                Id = 7, CallId = "call_1", Time = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123), Agent = "refund-bot",
                Role = "support-refunds", Tool = "issue_refund", Outcome = "allowed", Amount = 1250, Currency = "USD", Object = "re_1",
                StripeRequestId = "req_1", IdempotencyKey = "kb_1", DurationMs = 3, Arguments = arguments, Result = """{"id":"re_1"}""",
            },
            new AuditRecord
            {
                Id = 8, CallId = "call_2", Time = DateTimeOffset.UnixEpoch, Agent = "a\"b", Role = "r", Tool = "t", Outcome = "denied",
                Code = "budget_exceeded", Message = "refund of 150.00 USD would exceed \u2028 <budget>", Arguments = arguments,
            },
            new AuditRecord
            {
                Id = 4_503_599_627_370_497, CallId = "call_3", Time = DateTimeOffset.FromUnixTimeMilliseconds(1), Agent = "x", Role = "r", Tool = "t",
                Outcome = "unknown", Arguments = arguments,
            },
        })
        {
            // Of is the writer's path too: content prepared without the id, the id spliced in by the writer.
            Assert.Equal(AuditChainContent.Canonicalize(AuditRecordJson.Fields(record)), AuditChainContent.Prepare(record with { Id = 0 }).WithId(record.Id));
            Assert.Equal(AuditChainContent.Canonicalize(AuditRecordJson.Fields(record)), AuditChainContent.Of(record));
        }
    }

    [Fact]
    public async Task A_realistic_log_verifies_and_each_write_is_one_event()
    {
        using var f = await ChainedLog.CreateAsync();
        var report = await VerifyAsync(f);
        Assert.True(report.Ok, report.ToString());
        var events = await ChainedLog.EventsAsync(f);
        Assert.Equal((ChainedLog.Events, ChainedLog.Events, ChainedLog.Records), (events.Count, (int)report.Events, report.Records));
        Assert.Equal(events[^1].Hash, report.Head);
        Assert.Equal(AuditChainContent.Genesis, events[0].PrevHash);

        // The unknown call is sealed three times: started, unknown, then allowed on retry.
        var late = await ChainedLog.CallIdAsync(f, "unknown");
        var outcomes = events.Where(e => e.CallId == late).Select(e => JsonNode.Parse(e.Content)!["outcome"]!.GetValue<string>());
        Assert.Equal(["unknown", "unknown", "allowed"], outcomes);

        var records = await f.AuditAsync();
        Assert.All(records, r => Assert.Equal(events.Last(e => e.CallId == r.CallId).Hash, r.Hash));
    }

    [Fact]
    public async Task An_empty_ledger_verifies_with_the_genesis_head()
    {
        using var f = new PipelineFixture(Roles.Refunds());
        Assert.Equal($"ok: 0 events, 0 records, head {new string('0', 64)}", (await VerifyAsync(f)).ToString());
    }

    [Fact]
    public async Task Editing_an_audit_rows_amount_breaks_it_at_that_record()
    {
        using var f = await ChainedLog.CreateAsync();
        var callId = await ChainedLog.CallIdAsync(f, "allowed");
        await ChainedLog.SqlAsync(f, $"UPDATE audit SET amount = 1 WHERE call_id = '{callId}'");
        var report = await VerifyAsync(f);
        Assert.False(report.Ok);
        Assert.Equal(callId, report.Break!.CallId);
        Assert.Equal(2, report.Break.Seq);
        Assert.Contains("differs from its latest event in amount", report.ToString());
    }

    [Fact]
    public async Task Deleting_an_audit_row_breaks_it()
    {
        using var f = await ChainedLog.CreateAsync();
        var callId = await ChainedLog.CallIdAsync(f, "denied");
        await ChainedLog.SqlAsync(f, $"DELETE FROM audit WHERE call_id = '{callId}'");
        var report = await VerifyAsync(f);
        Assert.Equal((callId, "its audit record is missing"), (report.Break?.CallId, report.Break?.Problem));
    }

    [Fact]
    public async Task Deleting_a_middle_event_breaks_it()
    {
        using var f = await ChainedLog.CreateAsync();
        await ChainedLog.SqlAsync(f, "DELETE FROM audit_chain WHERE seq = 4");
        var report = await VerifyAsync(f);
        Assert.Equal(5, report.Break?.Seq);
        Assert.StartsWith("broken at event seq 5 (call call_", report.ToString());
        Assert.EndsWith("event seq 4 is missing", report.ToString());
    }

    [Fact]
    public async Task Editing_an_events_content_breaks_it_even_when_its_hash_is_recomputed()
    {
        using var f = await ChainedLog.CreateAsync();
        // Event 1 is the allowed call's "started" event: not its latest, so only the chain itself can catch the edit.
        await ChainedLog.SqlAsync(f, "UPDATE audit_chain SET content = replace(content, '\"outcome\":\"unknown\"', '\"outcome\":\"denied\"') WHERE seq = 1");
        var report = await VerifyAsync(f);
        Assert.Equal((1L, "hash does not match its prev_hash and content"), (report.Break?.Seq, report.Break?.Problem));

        var forged = (await ChainedLog.EventsAsync(f))[0];
        await ChainedLog.SqlAsync(f, $"UPDATE audit_chain SET hash = '{AuditChainContent.Hash(forged.PrevHash, forged.Content)}' WHERE seq = 1");
        report = await VerifyAsync(f);
        Assert.Equal((2L, "prev_hash is not the hash of event seq 1"), (report.Break?.Seq, report.Break?.Problem));
    }

    [Fact]
    public async Task Editing_a_records_latest_event_breaks_it_there()
    {
        using var f = await ChainedLog.CreateAsync();
        await ChainedLog.SqlAsync(f, "UPDATE audit_chain SET content = replace(content, '\"amount\":1234', '\"amount\":1') WHERE seq = 2");
        var report = await VerifyAsync(f);
        Assert.Equal(2, report.Break?.Seq);
    }

    [Fact]
    public async Task Reordering_events_breaks_it()
    {
        using var f = await ChainedLog.CreateAsync();
        await ChainedLog.SqlAsync(f, "UPDATE audit_chain SET seq = -1 WHERE seq = 2; UPDATE audit_chain SET seq = 2 WHERE seq = 3; UPDATE audit_chain SET seq = 3 WHERE seq = -1;");
        Assert.Equal(2, (await VerifyAsync(f)).Break?.Seq);
    }

    [Fact]
    public async Task An_export_verifies_offline_and_a_tampered_line_is_named()
    {
        using var f = await ChainedLog.CreateAsync();
        var lines = (await ChainedLog.EventsAsync(f)).Select(AuditChainExport.ToLine).ToList();
        var offline = await AuditChainExport.VerifyAsync(new StringReader(string.Join('\n', lines) + "\n"), CancellationToken.None);
        Assert.Equal((await VerifyAsync(f)).ToString(), offline.ToString());

        lines[2] = lines[2].Replace("\"outcome\":\"denied\"", "\"outcome\":\"allowed\"", StringComparison.Ordinal);
        var tampered = await AuditChainExport.VerifyAsync(new StringReader(string.Join('\n', lines)), CancellationToken.None);
        Assert.Equal((3L, 3L), (tampered.Break?.Line, tampered.Break?.Seq));
        Assert.StartsWith("broken at line 3 (event seq 3, call call_", tampered.ToString());

        lines[2] = "{ not json";
        var garbled = await AuditChainExport.VerifyAsync(new StringReader(string.Join('\n', lines)), CancellationToken.None);
        Assert.StartsWith("broken at line 3: not a chain event", garbled.ToString());
    }

    [Fact]
    public void Canonical_json_sorts_keys_drops_whitespace_and_is_idempotent()
    {
        var canonical = AuditChainContent.Canonicalize(JsonNode.Parse("""{ "b": [2, {"z": 1, "y": null}], "a": "é<\n", "c": 1.50 }"""));
        Assert.Equal("""{"a":"\u00E9\u003C\n","b":[2,{"y":null,"z":1}],"c":1.50}""", canonical);
        Assert.Equal(canonical, AuditChainContent.Canonicalize(JsonNode.Parse(canonical)));
    }

    [Fact]
    public void Sealing_writes_arguments_text_as_the_canonical_form_of_its_json()
    {
        // Sealing writes the row's arguments from their text, not from nodes: both forms must agree, canonical or not.
        var canonical = AuditChainContent.Canonicalize(JsonNode.Parse("""{"b":"<\u00e9>","a":[1.50,{"d":null,"c":true}]}"""));
        Assert.Equal("""{"a":[1.50,{"c":true,"d":null}],"b":"\u003C\u00E9\u003E"}""", canonical);
        Assert.Equal(canonical, Written(canonical));
        Assert.Equal(canonical, Written("""{ "a": [1.50, {"c": true, "d": null}], "b": "<\u00e9>" }"""));
        Assert.Equal(canonical, Written("""{"b":"<\u00e9>","a":[1.50,{"d":null,"c":true}]}"""));
    }

    private static string Written(string json)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            CanonicalJson.WriteText(writer, json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999L)]
    [InlineData(1_795_000_000_123L)]
    [InlineData(-62_135_596_800_000L)]
    [InlineData(253_402_293_599_999L)]
    public void Audit_times_are_iso_8601_utc_with_milliseconds(long unixMs)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToOffset(TimeSpan.FromHours(2));
        Assert.Equal(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), AuditRecordJson.Time(time));
        Assert.Equal(time.AddTicks(9_999), DateTimeOffset.Parse(AuditRecordJson.Time(time.AddTicks(9_999)), System.Globalization.CultureInfo.InvariantCulture).AddTicks(9_999));
    }

    [Fact]
    public async Task Two_ledgers_on_one_file_writing_concurrently_keep_one_chain()
    {
        using var dir = new TempDirectory();
        var first = new SqliteDatabase(dir.File("keybrake.db"), TimeSpan.FromSeconds(30));
        await first.MigrateAsync(CancellationToken.None);
        var second = new SqliteDatabase(dir.File("keybrake.db"), TimeSpan.FromSeconds(30));
        await second.MigrateAsync(CancellationToken.None);
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        SqlLedger[] ledgers = [new(first, clock), new(second, clock)];

        const int tasks = 8, callsPerTask = 10;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            var ledger = ledgers[t % 2];
            for (var i = 0; i < callsPerTask; i++)
            {
                var callId = $"call_{t}_{i}";
                var who = new CallIdentity("refund-bot", "support-refunds");
                if (i % 3 == 0)
                {
                    await ledger.RecordVerdictAsync(new Verdict(callId, who, "issue_refund", "{}", "not_allowed", "no", null), CancellationToken.None);
                    continue;
                }

                await ledger.StartCallAsync(new CallStart
                {
                    CallId = callId, Who = who, Tool = "issue_refund", Arguments = $$"""{"n":{{i}}}""",
                    RetryHorizon = clock.GetUtcNow(), IdempotencyKey = $"kb_{callId}",
                }, CancellationToken.None);
                await ledger.CompleteCallAsync(new CallCompletion { CallId = callId, Outcome = "allowed", MovedMinor = i, Currency = "USD", DurationMs = 1 }, CancellationToken.None);
            }
        })));

        var report = await ledgers[0].VerifyChainAsync(CancellationToken.None);
        Assert.True(report.Ok, report.ToString());
        var denials = tasks * ((callsPerTask + 2) / 3);
        Assert.Equal((denials + (2 * ((tasks * callsPerTask) - denials)), tasks * callsPerTask), ((int)report.Events, report.Records));
    }

    [Fact]
    public async Task A_writer_that_remembers_the_tip_between_commits_reads_it_again_after_another_process_appended()
    {
        // One database keeps the chain's tip from its last commit while nobody else committed (PRAGMA data_version); a
        // second database on the same file stands for another process appending in between.
        using var dir = new TempDirectory();
        using var first = new SqliteDatabase(dir.File("keybrake.db"));
        await first.MigrateAsync(CancellationToken.None);
        using var second = new SqliteDatabase(dir.File("keybrake.db"));
        SqlLedger a = new(first, TimeProvider.System), b = new(second, TimeProvider.System);
        var who = new CallIdentity("refund-bot", "support-refunds");
        Verdict Denied(string callId) => new(callId, who, "issue_refund", "{}", "not_allowed", "no", null);

        await a.RecordVerdictAsync(Denied("call_1"), CancellationToken.None);
        await a.RecordVerdictAsync(Denied("call_2"), CancellationToken.None);
        await b.RecordVerdictAsync(Denied("call_3"), CancellationToken.None);
        await a.RecordVerdictAsync(Denied("call_4"), CancellationToken.None);
        await b.RecordVerdictAsync(Denied("call_5"), CancellationToken.None);
        await a.RecordVerdictAsync(Denied("call_6"), CancellationToken.None);

        var report = await b.VerifyChainAsync(CancellationToken.None);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((6L, 6), (report.Events, report.Records));
        Assert.Equal(["call_1", "call_2", "call_3", "call_4", "call_5", "call_6"], (await a.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Select(r => r.CallId));
    }

    [Fact]
    public async Task A_write_rolled_back_after_sealing_a_row_takes_its_place_in_the_chain_with_it()
    {
        // The writer remembers the chain's tip within a transaction; the batch retried without the failed write must
        // start again from the tip on disk, not from the row that was rolled back.
        using var dir = new TempDirectory();
        using var database = new SqliteDatabase(dir.File("keybrake.db"));
        await database.MigrateAsync(CancellationToken.None);
        var ledger = new SqlLedger(database, TimeProvider.System);
        var who = new CallIdentity("refund-bot", "support-refunds");
        Verdict Denied(string callId) => new(callId, who, "issue_refund", "{}", "not_allowed", "no", null);

        // Holds the writer, so that the three writes below queue up and run in one transaction, in order.
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var held = Task.Run(() => database.WriteAsync(_ =>
        {
            running.Set();
            release.Wait();
            return Task.FromResult(0);
        }, CancellationToken.None));
        Assert.True(running.Wait(TimeSpan.FromSeconds(10)));
        var before = ledger.RecordVerdictAsync(Denied("call_before"), CancellationToken.None);
        var failing = database.WriteAsync<int>(async s =>
        {
            var sealedRow = AuditChainContent.Prepare(new AuditRecord
            {
                Id = 0, CallId = "call_failed", Time = DateTimeOffset.UnixEpoch, Agent = "refund-bot", Role = "support-refunds", Tool = "issue_refund",
                Outcome = "denied", Arguments = "{}",
            });
            await AuditChainStore.AppendNewAsync(s, sealedRow, "call_failed", 0, (id, hash) =>
            {
                using var insert = (Microsoft.Data.Sqlite.SqliteCommand)s.Connection.CreateCommand();
                insert.CommandText = "INSERT INTO audit (id, call_id, at_ms, agent, role, tool, outcome, arguments, hash) " +
                    "VALUES (@id, 'call_failed', 0, 'refund-bot', 'support-refunds', 'issue_refund', 'denied', '{}', @hash)";
                insert.Parameters.AddWithValue("@id", id);
                insert.Parameters.AddWithValue("@hash", hash);
                return insert.ExecuteNonQueryAsync();
            });
            throw new InvalidOperationException("fails after sealing its row");
        }, CancellationToken.None);
        var after = ledger.RecordVerdictAsync(Denied("call_after"), CancellationToken.None);
        release.Set();
        await Task.WhenAll(held, before, after);
        Assert.Equal("fails after sealing its row", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);

        var report = await ledger.VerifyChainAsync(CancellationToken.None);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((2, 2), ((int)report.Events, report.Records));
        await using var raw = await RawSql.OpenAsync(database.Path);
        Assert.Equal(["1 call_before", "2 call_after"], await raw.StringsAsync("SELECT id || ' ' || call_id FROM audit ORDER BY id"));
    }

    [Fact]
    public async Task Upgrading_a_ledger_seals_the_rows_written_before_the_chain()
    {
        using var dir = new TempDirectory();
        var database = new SqliteDatabase(dir.File("old.db"));
        await File.WriteAllBytesAsync(dir.File("old.db"), []); // an empty file is an empty SQLite database
        await using (var connection = await RawSql.OpenAsync(database.Path))
        {
            foreach (var migration in SqliteSchema.Migrations.Take(SqliteSchema.AuditChainMigration))
            {
                await connection.ExecuteAsync(migration);
            }

            await connection.ExecuteAsync($"PRAGMA user_version = {SqliteSchema.AuditChainMigration};");
            await connection.ExecuteAsync("INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, arguments) VALUES ('call_old', 1, 'a', 'r', 't', 'denied', '{}')");
        }

        await database.MigrateAsync(CancellationToken.None);
        var ledger = new SqlLedger(database, TimeProvider.System);
        var report = await ledger.VerifyChainAsync(CancellationToken.None);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((1L, 1), (report.Events, report.Records));
        // The later upgrade that keeps each row's latest hash on the row filled it in for the old row too.
        Assert.Equal(report.Head, (await ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None)).Single().Hash);
    }
}
