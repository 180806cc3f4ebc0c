using System.Collections.Concurrent;
using ModelContextProtocol.Client;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>The built <c>keybrake-mcp</c> as a separate process: over stdio through the SDK's client, or as a CLI.</summary>
public sealed class BuiltTool : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _stderr = new();

    private BuiltTool(McpClient client) => Client = client;

    public McpClient Client { get; private set; }

    public string Stderr => string.Join("\n", _stderr);

    /// <summary>Path of the built tool's entry assembly, in the same configuration as the tests.</summary>
    public static string DllPath
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            var path = Path.Combine(RepoRoot, "src", "Keybrake.Mcp", "bin", configuration, "net10.0", "keybrake-mcp.dll");
            Assert.True(File.Exists(path), $"the tool is not built at {path}");
            return path;
        }
    }

    /// <summary>
    /// A native build (Native AOT) to run instead of <c>dotnet</c> and <see cref="DllPath"/>, when the environment
    /// variable <c>KEYBRAKE_TEST_EXECUTABLE</c> names one: the CI runs the process tests against both.
    /// </summary>
    public static string? Executable => Environment.GetEnvironmentVariable("KEYBRAKE_TEST_EXECUTABLE") is { Length: > 0 } path ? path : null;

    /// <summary>How to start the built tool with these arguments: the native build, or <c>dotnet</c> and the tool's dll.</summary>
    public static System.Diagnostics.ProcessStartInfo StartInfo(params IEnumerable<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Executable ?? "dotnet");
        if (Executable is null)
        {
            start.ArgumentList.Add(DllPath);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Keybrake.Mcp.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Keybrake.Mcp.sln not found above the test output");
        }
    }

    /// <summary>Spawns <c>keybrake-mcp serve --agent AGENT [EXTRA...]</c> and connects the SDK's stdio client to it.</summary>
    public static async Task<BuiltTool> ServeAsync(string agent, IReadOnlyDictionary<string, string?> environment, params string[] extraArguments)
    {
        var tool = new BuiltTool(null!);
        var start = StartInfo(["serve", "--agent", agent, .. extraArguments]);
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = $"keybrake-{agent}",
            Command = start.FileName,
            Arguments = [.. start.ArgumentList],
            EnvironmentVariables = environment.ToDictionary(p => p.Key, p => p.Value),
            StandardErrorLines = line => tool._stderr.Enqueue(line),
        });
        tool.Client = await McpClient.CreateAsync(transport);
        return tool;
    }

    /// <summary>Runs a CLI command of the built tool to completion.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunInAsync(null, environment, args);

    /// <summary>Runs a CLI command of the built tool to completion in <paramref name="workingDirectory"/> (as a client starts it from anywhere).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunInAsync(string? workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = StartInfo(args);
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync() => await Client.DisposeAsync();
}
