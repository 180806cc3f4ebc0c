using System.Diagnostics;
using Dapper;
using Keybrake.Mcp.Cli;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// Flat cost as history grows: each ledger operation of a governed call on an empty ledger and on one holding
/// 1,000,000 audit records (2,000,000 chain events) of which 100,000 are the agent's calls
/// inside the current day window. Both ledgers are used alternately, in the same run. Then the operator's
/// <c>audit --since 1h</c> and <c>spend</c> on the large ledger, in-process and as a process.
/// </summary>
public static class HistoryScenario
{
    public const int Records = 1_000_000;
    public const int InWindow = 100_000;

    public static async Task RunAsync(int iterations, int rounds)
    {
        await using var stripe = await CannedStripe.StartAsync();
        var largePath = Path.Combine(BenchWorld.NewTempDirectory("history"), "large.db");
        var seedTime = await SeedAsync(largePath);
        await using var empty = await BenchWorld.StartAsync(stripe.BaseUrl, name: "history-empty");
        await using var large = await BenchWorld.StartAsync(stripe.BaseUrl, largePath, name: "history-large");
        var role = empty.Manifests.Roles["support-refunds"];
        var who = new CallIdentity("refund-bot", role.Role);
        var usd = Currency.Get("usd");

        var ops = new (string Name, Func<BenchWorld, Task> Run, bool Judged)[]
        {
            ("budget check (StartCall refused over budget: usage sum under the write lock)", w => w.Ledger.StartCallAsync(Start(who, role, new MoneyAmount(long.MaxValue / 4, usd)), CancellationToken.None)
                .ContinueWith(t => t.Result is StartDecision.OverBudget ? Task.CompletedTask : throw new InvalidOperationException($"{t.Result}")).Unwrap(), true),
            ("audit write (RecordVerdict: row + chain event)", w => w.Ledger.RecordVerdictAsync(
                new Verdict($"call_{Guid.NewGuid():N}", who, "issue_refund", """{"amount":100}""", "budget_exceeded", "bench", null), CancellationToken.None), true),
            ("StartCall allowed (budget check + hold + 'started' row + chain)", async w =>
            {
                var start = Start(who, role, new MoneyAmount(100, usd));
                await w.Ledger.StartCallAsync(start, CancellationToken.None);
                await w.Ledger.CompleteCallAsync(new CallCompletion { CallId = start.CallId, Outcome = AuditOutcomes.Allowed, MovedMinor = 100, Currency = "usd", DurationMs = 1 }, CancellationToken.None);
            }, false),
            ("revocation check (FindRevocation)", w => w.Ledger.FindRevocationAsync(who, CancellationToken.None), false),
            ("retry lookup (FindEarlier by fingerprint)", w => w.Ledger.FindEarlierAsync(Guid.NewGuid().ToString("N"), DateTimeOffset.UnixEpoch, CancellationToken.None), false),
            ("rate check (CheckRate: sum of the window's buckets)", w => w.Ledger.CheckRateAsync(who, role.RateLimits, CancellationToken.None), false),
            ("unknown-call lookup on the object (ReadUnknown)", w => w.Ledger.ReadUnknownAsync(CannedStripe.PaymentIntent, DateTimeOffset.UtcNow, CancellationToken.None), false),
            ("whole pipeline, instant tool", w => BenchWorld.Expect(w.PipelineOver(new InstantRefund()).RunAsync("refund-bot", "issue_refund", BenchWorld.Refund(), CancellationToken.None), error: false), false),
        };

        // Operator commands on the large ledger as seeded (1M records, 100k in the window), before the rounds below add
        // their own rows: in-process (the command's own cost) and as a process (what an operator waits for).
        var operatorRows = new List<(string Measure, string Median, string P99, bool? Pass)>();
        var env = new Dictionary<string, string?>(large.Environment) { ["KEYBRAKE_DB"] = largePath };
        var published = await Published.PathAsync(Published.Variant.Default);
        var native = await Published.PathAsync(Published.Variant.NativeAot);
        foreach (var command in new[] { new[] { "audit", "--since", "1h" }, new[] { "spend" } })
        {
            var inProcess = new List<double>();
            var process = new List<double>();
            var nativeProcess = new List<double>();
            var lines = 0;
            for (var i = -1; i < 7; i++)
            {
                var output = new StringWriter();
                var t = Stopwatch.GetTimestamp();
                var code = await KeybrakeCli.RunAsync(command, n => env.GetValueOrDefault(n), output, TextWriter.Null);
                var ms = Stats.Ms(Stopwatch.GetTimestamp() - t);
                if (code != 0)
                {
                    throw new InvalidOperationException($"{string.Join(' ', command)} exited {code}");
                }

                lines = output.ToString().Split('\n').Length;
                var (exit, wall) = await Published.RunCliAsync(published, env, command);
                var (nativeExit, nativeWall) = await Published.RunCliAsync(native, env, command);
                if (exit != 0 || nativeExit != 0)
                {
                    throw new InvalidOperationException($"{string.Join(' ', command)} exited {exit} (JIT), {nativeExit} (Native AOT) as a process");
                }

                if (i >= 0)
                {
                    inProcess.Add(ms);
                    process.Add(wall);
                    nativeProcess.Add(nativeWall);
                }
            }

            operatorRows.Add(($"`keybrake-mcp {string.Join(' ', command)}` on the large ledger, in-process [ms] ({lines} lines)", Stats.F(Stats.Median(inProcess), 1),
                Stats.F(inProcess.Max(), 1) + " (max)", Stats.Median(inProcess) <= 100));
            // As a process, the native executable is judged (the JIT one is for comparison): see README, Benchmarks.
            operatorRows.Add(($"`keybrake-mcp {string.Join(' ', command)}` as a process (JIT), start to exit [ms]", Stats.F(Stats.Median(process), 1),
                Stats.F(process.Max(), 1) + " (max)", null));
            operatorRows.Add(($"`keybrake-mcp {string.Join(' ', command)}` as a process (Native AOT), start to exit [ms]", Stats.F(Stats.Median(nativeProcess), 1),
                Stats.F(nativeProcess.Max(), 1) + " (max)", Stats.Median(nativeProcess) <= 100));
        }

        var worlds = new[] { empty, large };
        var samples = ops.Select(_ => new[] { new List<double>(), new List<double>() }).ToArray();
        var roundRatios = ops.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            for (var k = 0; k < ops.Length; k++)
            {
                var roundSamples = new[] { new List<double>(), new List<double>() };
                // At most ~4 s per op and round: an operation that scans the history must not stall the run.
                var deadline = Stopwatch.GetTimestamp() + 4 * Stopwatch.Frequency;
                for (var i = 0; i < iterations && (i < 5 || Stopwatch.GetTimestamp() < deadline); i++)
                {
                    for (var w = 0; w < 2; w++)
                    {
                        var which = (i + w) % 2;
                        var t = Stopwatch.GetTimestamp();
                        await ops[k].Run(worlds[which]);
                        roundSamples[which].Add(Stats.Ms(Stopwatch.GetTimestamp() - t));
                    }
                }

                if (round >= 0) // round -1 is the warm-up
                {
                    samples[k][0].AddRange(roundSamples[0]);
                    samples[k][1].AddRange(roundSamples[1]);
                    roundRatios[k].Add(Stats.Median(roundSamples[1]) / Stats.Median(roundSamples[0]));
                }
            }
        }

        var table = new Table($"history: empty ledger (baseline) vs {Records:N0} audit records with {InWindow:N0} calls in the window ({rounds} rounds x {iterations} per ledger, alternating; seeding took {seedTime:F0} s)");
        for (var k = 0; k < ops.Length; k++)
        {
            var ratio = Stats.Median(roundRatios[k]);
            table.Add($"{ops[k].Name} [ms], empty -> large (n={samples[k][1].Count})", $"{Stats.F(Stats.Median(samples[k][0]))} -> {Stats.F(Stats.Median(samples[k][1]))}",
                $"{Stats.F(Stats.Percentile(samples[k][0], 99))} -> {Stats.F(Stats.Percentile(samples[k][1], 99))}", $"{ratio:F2}x",
                ops[k].Judged ? "<= 1.5x" : "-", ops[k].Judged ? ratio <= 1.5 : null);
        }

        foreach (var row in operatorRows)
        {
            table.Add(row.Measure, row.Median, row.P99, "-", row.Pass is null ? "-" : "<= 100", row.Pass);
        }

        table.Print();
        await large.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(largePath)!, recursive: true);
    }

    private static CallStart Start(CallIdentity who, RoleManifest role, MoneyAmount hold)
    {
        var callId = $"call_{Guid.NewGuid():N}";
        return new CallStart
        {
            CallId = callId, Who = who, Tool = "issue_refund", Arguments = """{"amount":100}""", Fingerprint = Guid.NewGuid().ToString("N"),
            RetryHorizon = DateTimeOffset.UnixEpoch, IdempotencyKey = $"kb_{callId}", Hold = hold, Budgets = role.Budgets, Object = CannedStripe.PaymentIntent,
        };
    }

    /// <summary>Writes the large ledger with SQL (the schema from the server's own migrations). Returns seconds taken.</summary>
    public static async Task<double> SeedAsync(string path)
    {
        var t = Stopwatch.GetTimestamp();
        using (var database = new Keybrake.Mcp.Ledger.Sqlite.SqliteDatabase(path))
        {
            await database.MigrateAsync(CancellationToken.None);
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const long day = 86_400_000;
        var old = now - 90 * day;
        var step = (90 * day - day) / (Records - InWindow);
        var spacing = day / InWindow;
        await using var tx = connection.BeginTransaction();
        // 900,000 older calls over the previous 89 days (half refund-bot, half 50 other agents), then 100,000 of
        // refund-bot's inside the last 24 h: all allowed refunds of 1.00 USD, each with its 'started' and 'completed' chain events.
        await connection.ExecuteAsync($$"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {{Records}})
            INSERT INTO audit (call_id, at_ms, agent, role, tool, outcome, amount, currency, object, stripe_request_id, idempotency_key, duration_ms, arguments, result, fingerprint)
            SELECT printf('call_%032x', i),
                   CASE WHEN i > {{Records - InWindow}} THEN {{now}} - ({{Records}} - i + 1) * {{spacing}} ELSE {{old}} + i * {{step}} END,
                   CASE WHEN i > {{Records - InWindow}} OR i % 2 = 0 THEN 'refund-bot' ELSE 'hist-' || (i % 50) END,
                   'support-refunds', 'issue_refund', 'allowed', 100, 'usd', printf('pi_hist%06d', i % 5000), printf('req_%016x', i),
                   printf('kb_%040x', i), 3,
                   '{"amount":100,"payment_intent":"pi_hist","reason":"requested_by_customer","request_id":"' || i || '"}',
                   '{"id":"re_' || i || '","object":"refund","amount":100,"currency":"usd","status":"succeeded","call_id":"call","replayed":false}',
                   lower(hex(randomblob(32)))
            FROM n;
            """, transaction: tx, commandTimeout: 0);
        await connection.ExecuteAsync("""
            INSERT INTO audit_chain (seq, call_id, at_ms, content, prev_hash, hash)
            SELECT id * 2 - 1 + k, call_id, at_ms, arguments || result, lower(hex(randomblob(32))), lower(hex(randomblob(32)))
            FROM audit, (SELECT 0 AS k UNION ALL SELECT 1) ORDER BY id, k;
            """, transaction: tx, commandTimeout: 0);
        // The buckets the server keeps (older ones are pruned): hourly spend for the day budgets, per-second call counts for the minute rate limit.
        await connection.ExecuteAsync($"""
            INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount)
            SELECT 'agent:' || agent, 'spend', 'usd', 3600000, at_ms / 3600000 * 3600000, SUM(amount) FROM audit WHERE at_ms >= {now - 32 * day} GROUP BY 1, 5;
            INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount)
            SELECT 'role:' || role, 'spend', 'usd', 3600000, at_ms / 3600000 * 3600000, SUM(amount) FROM audit WHERE at_ms >= {now - 32 * day} GROUP BY 1, 5;
            INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount)
            SELECT 'agent:' || agent, 'calls', '', 1000, at_ms / 1000 * 1000, COUNT(*) FROM audit WHERE at_ms >= {now - 180_000} GROUP BY 1, 5;
            """, transaction: tx, commandTimeout: 0);
        await tx.CommitAsync();
        await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        var count = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM audit WHERE at_ms >= {now - day} AND agent = 'refund-bot'");
        if (count < InWindow - 1)
        {
            throw new InvalidOperationException($"seeded {count} calls in the window");
        }

        SqliteConnection.ClearAllPools();
        return Stats.Ms(Stopwatch.GetTimestamp() - t) / 1000;
    }
}
