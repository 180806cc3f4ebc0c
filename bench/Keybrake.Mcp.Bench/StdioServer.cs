using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// A raw JSON-RPC client over a server process's stdio (one JSON message per line), so the client's own cost stays
/// out of the figures. Requests may be pipelined; responses are matched by id.
/// </summary>
public sealed class StdioServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _reader;
    private long _nextId;

    private StdioServer(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                _stderr.Enqueue(line);
                while (_stderr.Count > 200)
                {
                    _stderr.TryDequeue(out _);
                }
            }
        });
    }

    public int Pid => _process.Id;

    public string Stderr => string.Join("\n", _stderr);

    public static StdioServer Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Published.Apply(start, env);
        var process = Process.Start(start)!;
        process.StandardInput.AutoFlush = false;
        return new StdioServer(process);
    }

    /// <summary>initialize, then notifications/initialized.</summary>
    public async Task<JsonObject> InitializeAsync()
    {
        var result = await RequestAsync("initialize", new JsonObject
        {
            ["protocolVersion"] = "2025-06-18",
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "keybrake-bench", ["version"] = "1.0" },
        });
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        return result;
    }

    public async Task<JsonObject> CallToolAsync(string name, JsonObject arguments)
    {
        var response = await RequestAsync("tools/call", new JsonObject { ["name"] = name, ["arguments"] = arguments });
        return response["result"] as JsonObject ?? throw new InvalidOperationException($"tools/call failed: {response.ToJsonString()}");
    }

    public static string? ErrorCode(JsonObject result) =>
        result["isError"]?.GetValue<bool>() == true ? result["structuredContent"]?["error"]?["code"]?.GetValue<string>() ?? "error" : null;

    public async Task<JsonObject> RequestAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var pending = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = pending;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        var done = await Task.WhenAny(pending.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (done != pending.Task)
        {
            throw new TimeoutException($"{method} got no answer; server stderr:\n{Stderr}");
        }

        return await pending.Task;
    }

    private async Task SendAsync(JsonObject message)
    {
        var line = message.ToJsonString();
        await _write.WaitAsync();
        try
        {
            await _process.StandardInput.WriteAsync(line + "\n");
            await _process.StandardInput.FlushAsync();
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length == 0 || line[0] != '{')
            {
                continue;
            }

            if (JsonNode.Parse(line) is JsonObject message && message["id"] is { } id && message["method"] is null
                && _pending.TryRemove(id.GetValue<long>(), out var pending))
            {
                pending.TrySetResult(message);
            }
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new IOException($"the server exited; stderr:\n{Stderr}"));
        }
    }

    /// <summary>Resident set size of the server process, from /proc.</summary>
    public long RssKb() => StatusKb("VmRSS");

    /// <summary>Where the resident memory is: anonymous (heaps, stacks) and file-backed (the executable, libraries), in MB.</summary>
    public string RssParts() => $"anon {StatusKb("RssAnon") / 1024.0:F1}, files {StatusKb("RssFile") / 1024.0:F1}";

    private long StatusKb(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(3000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        await Task.WhenAny(_reader, Task.Delay(1000));
        _process.Dispose();
    }
}
