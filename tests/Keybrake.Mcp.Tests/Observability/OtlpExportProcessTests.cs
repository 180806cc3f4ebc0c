using System.Diagnostics;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Tests.TestServices;
using ModelContextProtocol;

namespace Keybrake.Mcp.Tests.Observability;

/// <summary>A real server process exporting over OTLP/HTTP (<c>http/protobuf</c>) to a receiver in the test, or not at all.</summary>
[Trait("Category", "Process")]
public sealed class OtlpExportProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Serve_http_exports_one_enriched_span_per_tool_call_parented_from_meta_and_the_metrics()
    {
        await using var world = await StripeWorld.StartAsync();
        await using var receiver = await OtlpReceiver.StartAsync();
        var inScope = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        var outOfScope = world.Stripe.Account.AddPaymentIntent(world.CustomerOutside, 5000, "usd");
        var env = new Dictionary<string, string?>(world.Environment())
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        };
        var token = (await BuiltTool.RunAsync(env, "token", "issue", "refund-bot")).Stdout.Trim();
        await using var server = await HttpServerProcess.StartAsync(env);
        await using var client = await HttpServerProcess.ConnectAsync(server.Endpoint, token);

        // The client's own trace: W3C trace context in the request's _meta, as the MCP semantic conventions say.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();
        var allowed = await client.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = inScope, ["amount"] = 100 },
            options: new RequestOptions { Meta = new JsonObject { ["traceparent"] = $"00-{traceId}-{parentId}-01" } });
        allowed.AssertSuccess();
        var refused = await client.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = outOfScope, ["amount"] = 100 });
        Assert.Equal("not_allowed", refused.ErrorCode());

        var spans = await EventuallyAsync(() => receiver.Bodies("/v1/traces").SelectMany(Otlp.Spans).ToList(),
            all => all.Count(s => s.Name == "tools/call issue_refund") >= 2 && all.Any(s => s.Name == "stripe execute"), server);
        var calls = spans.Where(s => s.Name == "tools/call issue_refund").ToList();
        var ok = Assert.Single(calls, s => Equals(s.Attributes.GetValueOrDefault("keybrake.outcome"), "allowed"));
        Assert.Equal("keybrake-mcp", ok.Service);
        Assert.Equal("Experimental.ModelContextProtocol", ok.Scope);
        Assert.Equal(2, ok.Kind);
        Assert.Equal(traceId, ok.TraceId);
        Assert.Equal(parentId, ok.ParentSpanId);
        Assert.Equal("tools/call", ok.Attributes["mcp.method.name"]);
        Assert.Equal("issue_refund", ok.Attributes["gen_ai.tool.name"]);
        Assert.Equal("execute_tool", ok.Attributes["gen_ai.operation.name"]);
        Assert.Equal("refund-bot", ok.Attributes["keybrake.agent"]);
        Assert.Equal("support-refunds", ok.Attributes["keybrake.role"]);
        Assert.Equal(100L, ok.Attributes["keybrake.amount"]);
        Assert.Equal("USD", ok.Attributes["keybrake.currency"]);
        Assert.False(ok.Attributes.ContainsKey("keybrake.refusal.code"));

        var no = Assert.Single(calls, s => Equals(s.Attributes.GetValueOrDefault("keybrake.outcome"), "denied"));
        Assert.NotEqual(traceId, no.TraceId);
        Assert.Equal("not_allowed", no.Attributes["keybrake.refusal.code"]);
        Assert.Equal("ScopeStep", no.Attributes["keybrake.refusal.step"]);
        Assert.Equal("tool_error", no.Attributes["error.type"]);
        Assert.False(no.Attributes.ContainsKey("keybrake.amount"));

        // The Stripe request of the allowed call, as a client span under it.
        var stripe = Assert.Single(spans, s => s.Name == "stripe execute");
        Assert.Equal(("Keybrake.Mcp", 3, traceId, ok.SpanId), (stripe.Scope, stripe.Kind, stripe.TraceId, stripe.ParentSpanId));

        string[] expected =
        [
            "keybrake.calls", "keybrake.call.duration", "keybrake.stripe.duration", "keybrake.money.moved", "keybrake.money.held",
            "keybrake.budget.utilization", "mcp.server.operation.duration",
        ];
        var metrics = await EventuallyAsync(() => receiver.Bodies("/v1/metrics").SelectMany(Otlp.Metrics).ToList(),
            // Cumulative: a later export holds every call, the refused one included.
            all => expected.All(name => all.Any(m => m.Name == name))
                   && all.Any(m => m.Name == "keybrake.calls" && m.Points.Any(p => Equals(p["outcome"], "denied"))), server);
        var counted = metrics.Last(m => m.Name == "keybrake.calls").Points;
        Assert.Contains(counted, p => Equals(p["outcome"], "denied") && Equals(p["code"], "not_allowed") && Equals(p["tool"], "issue_refund"));
        Assert.Contains(counted, p => Equals(p["outcome"], "allowed"));
        Assert.Contains(metrics.Where(m => m.Name == "keybrake.money.moved").SelectMany(m => m.Points),
            p => Equals(p["currency"], "USD") && Equals(p["role"], "support-refunds"));
        Assert.Contains(metrics.Where(m => m.Name == "keybrake.money.held").SelectMany(m => m.Points), p => Equals(p["currency"], "USD"));
        Assert.Contains(metrics.Where(m => m.Name == "keybrake.budget.utilization").SelectMany(m => m.Points),
            p => Equals(p["role"], "support-refunds") && Equals(p["window"], "day") && Equals(p["per"], "agent") && Equals(p["agent"], "refund-bot"));
        Assert.All(receiver.Requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
    }

    [Fact]
    public async Task A_stdio_server_without_otel_variables_starts_and_sends_nothing()
    {
        await using var world = await StripeWorld.StartAsync();
        var intent = world.Stripe.Account.AddPaymentIntent(world.CustomerA, 5000, "usd");
        // Where an exporter with no endpoint would send (the OTLP defaults, gRPC 4317 and HTTP 4318): any connection counts.
        using var grpc = Listen(4317);
        using var http = Listen(4318);
        var env = new Dictionary<string, string?>(world.Environment()) { ["OTEL_BSP_SCHEDULE_DELAY"] = "100", ["OTEL_METRIC_EXPORT_INTERVAL"] = "100" };
        await using (var tool = await BuiltTool.ServeAsync("refund-bot", env))
        {
            (await tool.Client.CallToolAsync("issue_refund", new Dictionary<string, object?> { ["payment_intent"] = intent, ["amount"] = 100 })).AssertSuccess();
            await Task.Delay(500);
        }

        Assert.False(grpc.Pending(), "a connection to 127.0.0.1:4317");
        Assert.False(http.Pending(), "a connection to 127.0.0.1:4318");
    }

    private static System.Net.Sockets.TcpListener Listen(int port)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        try
        {
            listener.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            Assert.Fail($"127.0.0.1:{port} is in use ({ex.SocketErrorCode}): this test watches the OTLP default ports; stop what listens there");
        }

        return listener;
    }

    [Fact]
    public async Task Serve_refuses_an_unusable_otel_setting_with_exit_2()
    {
        await using var world = await StripeWorld.StartAsync();
        var env = new Dictionary<string, string?>(world.Environment()) { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json" };
        var result = await BuiltTool.RunAsync(env, "serve", "--agent", "refund-bot");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' is not grpc or http/protobuf", result.Stderr);
    }

    private static async Task<List<T>> EventuallyAsync<T>(Func<List<T>> read, Func<List<T>, bool> done, HttpServerProcess server)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var items = read();
            if (done(items))
            {
                return items;
            }

            if (deadline.Elapsed > Patience)
            {
                Assert.Fail($"not received in {Patience.TotalSeconds} s; got:\n{string.Join("\n", items)}\nserver stderr:\n{server.Stderr}");
            }

            await Task.Delay(100);
        }
    }
}
