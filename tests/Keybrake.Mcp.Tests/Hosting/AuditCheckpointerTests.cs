using System.Net;
using System.Net.Sockets;
using System.Text;
using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Ledger.Checkpoints;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Tests.Hosting;

/// <summary>A server's checkpoints: signed only when the head moved, sent to every anchor, and never over a chain rewritten under it.</summary>
public sealed class AuditCheckpointerTests
{
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<(string ContentType, string Body)> Posts { get; } = [];

        public HttpStatusCode Status { get; set; } = HttpStatusCode.NoContent;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Posts.Add((request.Content!.Headers.ContentType!.MediaType!, await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(Status);
        }
    }

    private static Verdict Denied(string callId) => new(callId, new CallIdentity("refund-bot", "support-refunds"), "issue_refund", "{}", "not_allowed", "no", null);

    [Fact]
    public async Task The_head_is_signed_when_it_moved_and_sent_to_a_file_a_webhook_syslog_and_stderr()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        using var key = AuditSigningKey.Generate();
        var handler = new CapturingHandler();
        using var http = new HttpClient(handler);
        var socketPath = dir.File("log.sock");
        using var syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        syslog.Bind(new UnixDomainSocketEndPoint(socketPath));
        var stderr = new StringWriter();
        var anchors = new[] { "file:" + dir.File("checkpoints.jsonl"), "http://anchor.example/checkpoints?token=s3cret", "syslog:" + socketPath, "stderr" }
            .Select(a => CheckpointAnchors.Create(a, stderr, http, f.Clock)).ToList();
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var checkpointer = new AuditCheckpointer(f.Database, key, anchors, f.Clock, factory.CreateLogger<AuditCheckpointer>());

        var first = await checkpointer.CheckpointIfMovedAsync(CancellationToken.None);
        Assert.Equal(8, first?.Seq);
        Assert.Null(await checkpointer.CheckpointIfMovedAsync(CancellationToken.None));
        await f.Ledger.RecordVerdictAsync(Denied("call_later"), CancellationToken.None);
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await checkpointer.CheckpointIfMovedAsync(CancellationToken.None);
        Assert.Equal(9, second?.Seq);

        var lines = await AuditCheckpointFile.ReadAsync(dir.File("checkpoints.jsonl"), CancellationToken.None);
        Assert.Equal([first!, second!], lines.Select(l => l.Checkpoint!));
        Assert.All(lines, l => Assert.True(l.Checkpoint!.IsSignedBy(key.Public)));
        Assert.Equal([("application/json", first!.ToLine()), ("application/json", second!.ToLine())], handler.Posts);
        Assert.Equal($"{StderrCheckpointAnchor.Prefix}{first.ToLine()}\n{StderrCheckpointAnchor.Prefix}{second.ToLine()}\n", stderr.ToString().ReplaceLineEndings("\n"));
        var buffer = new byte[4096];
        var received = Encoding.UTF8.GetString(buffer, 0, syslog.Receive(buffer));
        Assert.Matches($@"^<13>[A-Z][a-z]{{2}} [ 1-3]\d \d\d:\d\d:\d\d keybrake-mcp\[{Environment.ProcessId}\]: audit checkpoint \{{", received);
        Assert.EndsWith(first.ToLine(), received);

        // A failing anchor is logged (without the webhook's query) and the others still get the checkpoint.
        handler.Status = HttpStatusCode.InternalServerError;
        await f.Ledger.RecordVerdictAsync(Denied("call_last"), CancellationToken.None);
        Assert.Equal(10, (await checkpointer.CheckpointIfMovedAsync(CancellationToken.None))?.Seq);
        Assert.Contains("Could not send audit checkpoint seq 10 to http://anchor.example/checkpoints: http://anchor.example/checkpoints answered 500", logs.All);
        Assert.DoesNotContain("s3cret", logs.All);
        Assert.Equal(3, (await AuditCheckpointFile.ReadAsync(dir.File("checkpoints.jsonl"), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_chain_cut_under_a_running_server_is_reported_and_never_signed()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        using var key = AuditSigningKey.Generate();
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var checkpointer = new AuditCheckpointer(f.Database, key, [new FileCheckpointAnchor(dir.File("checkpoints.jsonl"))], f.Clock,
            factory.CreateLogger<AuditCheckpointer>());
        Assert.Equal(8, (await checkpointer.CheckpointIfMovedAsync(CancellationToken.None))?.Seq);

        await ChainTampering.CutLastCallAsync(f.Database.Path, await ChainedLog.CallIdAsync(f, "unknown"));
        await f.Ledger.RecordVerdictAsync(Denied("call_after_the_cut"), CancellationToken.None);
        Assert.Null(await checkpointer.CheckpointIfMovedAsync(CancellationToken.None));
        Assert.Contains("Critical", logs.All);
        Assert.Contains("The audit chain no longer agrees with the checkpoint this server signed at", logs.All);
        Assert.Contains("event seq 8 is gone (signed ", logs.All);
        Assert.Single(await AuditCheckpointFile.ReadAsync(dir.File("checkpoints.jsonl"), CancellationToken.None));
    }

    [Fact]
    public async Task The_background_service_checkpoints_at_start_and_once_more_at_stop()
    {
        using var f = await ChainedLog.CreateAsync();
        using var dir = new TempDirectory();
        using var key = AuditSigningKey.Generate();
        using var factory = LoggerFactory.Create(_ => { });
        var checkpointer = new AuditCheckpointer(f.Database, key, [new FileCheckpointAnchor(dir.File("checkpoints.jsonl"))], f.Clock,
            factory.CreateLogger<AuditCheckpointer>());
        var publisher = new CheckpointPublisher(checkpointer, f.Clock, factory.CreateLogger<CheckpointPublisher>()) { Interval = TimeSpan.FromMinutes(5) };

        await publisher.StartAsync(CancellationToken.None);
        await WaitForAsync(() => checkpointer.Last is not null);
        await f.Ledger.RecordVerdictAsync(Denied("call_during"), CancellationToken.None);
        await publisher.StopAsync(CancellationToken.None);

        Assert.Equal([8L, 9L], (await AuditCheckpointFile.ReadAsync(dir.File("checkpoints.jsonl"), CancellationToken.None)).Select(l => l.Checkpoint!.Seq));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
