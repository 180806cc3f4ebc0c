using System.Diagnostics;
using System.Text.Json;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// The npm packages of real clients the end-to-end tests drive: tests/e2e-ts (the TypeScript MCP SDK, the OpenAI Agents
/// SDK) and tests/e2e-ts/inspector (MCP Inspector with the Node 22 it needs). Installed with <c>npm ci</c> from their
/// lockfiles the first time a test needs them, so the README's test command runs these tests or fails saying why.
/// </summary>
public static class NodeClients
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static string Folder => Path.Combine(BuiltTool.RepoRoot, "tests", "e2e-ts");

    public static string InspectorFolder => Path.Combine(Folder, "inspector");

    /// <summary>Node 22 from npm (tests/e2e-ts/inspector), which MCP Inspector 2.x needs.</summary>
    public static string Node22 => Path.Combine(InspectorFolder, "node_modules", "node", "bin", "node");

    /// <summary>Runs <c>npm ci</c> in <paramref name="folder"/> unless its packages are installed already.</summary>
    public static async Task EnsureInstalledAsync(string folder)
    {
        await Installing.WaitAsync();
        try
        {
            // npm writes node_modules/.package-lock.json at the end of an install: its absence means none (or a broken one).
            if (File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
            {
                return;
            }

            var (code, output, error) = await RunAsync("npm", folder, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], new Dictionary<string, string?>(), TimeSpan.FromMinutes(10));
            Assert.True(code == 0, $"'npm ci' in {folder} failed (exit {code}); these end-to-end tests need Node 20+ with npm and the npm registry:\n{output}\n{error}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"npm is not installed: the end-to-end tests in {folder} need Node 20+ with npm (Debian: apt-get install nodejs npm)");
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>Runs a script of tests/e2e-ts with Node and parses the one JSON object it prints.</summary>
    public static async Task<JsonElement> RunScriptAsync(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        await EnsureInstalledAsync(Folder);
        var (code, output, error) = await RunAsync("node", Folder, [script, .. args], environment, timeout ?? TimeSpan.FromSeconds(120));
        var json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(json is not null, $"{script} printed no JSON (exit {code}):\n{output}\n{error}");
        return JsonDocument.Parse(json!).RootElement.Clone();
    }

    /// <summary>Runs a process to completion.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string folder, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s; stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The built tool as a command and its arguments, for clients that start servers themselves.</summary>
    public static (string Command, string[] Args) ServerCommand(params string[] args)
    {
        var start = BuiltTool.StartInfo(args);
        return (start.FileName, [.. start.ArgumentList]);
    }
}
