using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A <c>keybrake-mcp serve --agent</c> process driven with raw JSON-RPC lines, for what a well-behaved client never
/// sends: requests before the handshake, messages of megabytes.
/// </summary>
public sealed class RawStdioServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private RawStdioServer(Process process) => _process = process;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static RawStdioServer Start(string agent, IReadOnlyDictionary<string, string?> environment)
    {
        var start = BuiltTool.StartInfo("serve", "--agent", agent);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new RawStdioServer(process);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (server._stderr)
            {
                server._stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Writes one message (one line), in pieces so that a large one streams.</summary>
    public async Task SendAsync(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        var stdin = _process.StandardInput.BaseStream;
        for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
        {
            await stdin.WriteAsync(bytes.AsMemory(offset, Math.Min(64 * 1024, bytes.Length - offset)));
        }

        await stdin.FlushAsync();
    }

    /// <summary>The next message on stdout, as JSON (every stdout line must be JSON-RPC).</summary>
    public async Task<JsonObject> ReceiveAsync(TimeSpan? timeout = null)
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30))
            ?? throw new EndOfStreamException("the server closed stdout; stderr:\n" + Stderr);
        return JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>Sends a request and returns the response with its id (notifications in between are skipped).</summary>
    public async Task<JsonObject> RequestAsync(long id, string method, JsonObject? parameters = null)
    {
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] }.ToJsonString());
        return await ResponseAsync(id);
    }

    public async Task<JsonObject> ResponseAsync(long id)
    {
        while (true)
        {
            var message = await ReceiveAsync();
            if (message["id"] is JsonValue value && value.TryGetValue(out long got) && got == id)
            {
                return message;
            }
        }
    }

    /// <summary>The 2025-11-25 handshake.</summary>
    public async Task InitializeAsync()
    {
        var response = await RequestAsync(0, "initialize", new JsonObject
        {
            ["protocolVersion"] = "2025-11-25",
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1" },
        });
        Assert.NotNull(response["result"]);
        await SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
