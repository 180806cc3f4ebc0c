using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Tests.Notifications;

/// <summary>A real HTTP endpoint on 127.0.0.1 (Kestrel) that records every POST; it can answer 500 to the first N.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    public sealed record Received(string Body, string? Signature, string? EventId, int Status)
    {
        public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    }

    private WebhookReceiver(WebApplication app, int port, int failFirst)
    {
        _app = app;
        _failuresLeft = failFirst;
        Url = new Uri($"http://127.0.0.1:{port}/hooks/keybrake");
    }

    public Uri Url { get; }

    /// <summary>Every request, the failed ones included, in arrival order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The bodies it answered 2xx to.</summary>
    public IReadOnlyList<Received> Accepted => [.. Requests.Where(r => r.Status == 200)];

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0, int? port = null)
    {
        var chosen = port ?? LoopbackPort.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{chosen}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, chosen, failFirst);
        app.MapPost("/hooks/keybrake", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? 500 : 200;
            receiver.Requests.Enqueue(new Received(body, http.Request.Headers["Keybrake-Signature"], http.Request.Headers["Keybrake-Event-Id"], status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
