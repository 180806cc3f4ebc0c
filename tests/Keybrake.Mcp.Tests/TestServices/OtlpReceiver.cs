using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>An OTLP/HTTP collector stand-in on 127.0.0.1: keeps every export request's path, content type and body.</summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> _requests;

    private OtlpReceiver(WebApplication app, ConcurrentQueue<(string, string?, byte[])> requests) => (_app, _requests) = (app, requests);

    /// <summary>The base endpoint, for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint => new(_app.Urls.First());

    public IReadOnlyList<(string Path, string? ContentType, byte[] Body)> Requests => [.. _requests];

    public IEnumerable<byte[]> Bodies(string path) => _requests.Where(r => r.Path == path).Select(r => r.Body);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var requests = new ConcurrentQueue<(string, string?, byte[])>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            requests.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType, body.ToArray()));
            // An empty Export*ServiceResponse: everything accepted.
            context.Response.ContentType = "application/x-protobuf";
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        return new OtlpReceiver(app, requests);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
