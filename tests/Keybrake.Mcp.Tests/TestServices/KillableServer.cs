using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>A <c>keybrake-mcp serve --agent</c> process whose PID the test holds, so it can be killed with SIGKILL mid-call.</summary>
public sealed class KillableServer : IAsyncDisposable
{
    private readonly Process _process;

    private KillableServer(Process process, McpClient client)
    {
        _process = process;
        Client = client;
    }

    public McpClient Client { get; }

    public static async Task<KillableServer> StartAsync(string agent, IReadOnlyDictionary<string, string?> environment)
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
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var client = await McpClient.CreateAsync(new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream));
        return new KillableServer(process, client);
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.</summary>
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
        try
        {
            await Client.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The pipes died with the process.
        }

        _process.Dispose();
    }
}
