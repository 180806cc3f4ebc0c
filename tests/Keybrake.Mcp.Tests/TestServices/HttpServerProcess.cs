using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>A <c>keybrake-mcp serve --http</c> process on a free loopback port: its endpoint from its own log line, its stderr, and SIGKILL.</summary>
public sealed partial class HttpServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr;

    private HttpServerProcess(Process process, ConcurrentQueue<string> stderr, Uri endpoint)
    {
        _process = process;
        _stderr = stderr;
        Endpoint = endpoint;
    }

    /// <summary>The server's <c>/mcp</c> (the console's <c>/console/</c>).</summary>
    public Uri Endpoint { get; }

    public int Pid => _process.Id;

    public string Stderr => string.Join("\n", _stderr);

    /// <summary>Starts <c>serve --http --urls http://127.0.0.1:0</c> (plus <paramref name="extra"/>) and waits until it listens.</summary>
    public static Task<HttpServerProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] extra) =>
        LaunchAsync(["serve", "--http"], extra, environment, ListeningUrl(), "/mcp");

    /// <summary>Starts <c>keybrake-mcp console --urls http://127.0.0.1:0</c> (plus <paramref name="extra"/>); <see cref="Endpoint"/> is its <c>/console/</c>.</summary>
    public static Task<HttpServerProcess> StartConsoleAsync(IReadOnlyDictionary<string, string?> environment, params string[] extra) =>
        LaunchAsync(["console"], extra, environment, ConsoleUrl(), "/console/");

    private static async Task<HttpServerProcess> LaunchAsync(string[] command, string[] extra, IReadOnlyDictionary<string, string?> environment, Regex listening, string path)
    {
        string[] urls = extra.Contains("--urls") ? [] : ["--urls", "http://127.0.0.1:0"];
        var start = BuiltTool.StartInfo([.. command, .. urls, .. extra]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var stderr = new ConcurrentQueue<string>();
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                url.TrySetException(new InvalidOperationException("the server exited before it listened:\n" + string.Join("\n", stderr)));
                return;
            }

            stderr.Enqueue(e.Data);
            if (listening.Match(e.Data) is { Success: true } match)
            {
                url.TrySetResult(match.Groups[1].Value);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            return new HttpServerProcess(process, stderr, new Uri(await url.Task.WaitAsync(TimeSpan.FromSeconds(60)) + path));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>An SDK client with a bearer token, speaking the given protocol version (null: the SDK's newest, 2026-07-28).</summary>
    public static Task<McpClient> ConnectAsync(Uri endpoint, string token, string? protocolVersion = null) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), new McpClientOptions { ProtocolVersion = protocolVersion });

    /// <summary>SIGKILL: no shutdown code runs (the lease is not given up), exactly like a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"over Streamable HTTP at (http://[^\s/,]+)/mcp")]
    private static partial Regex ListeningUrl();

    [GeneratedRegex(@"console at (http://[^\s/,]+)/console/")]
    private static partial Regex ConsoleUrl();
}
