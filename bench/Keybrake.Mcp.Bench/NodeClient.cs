using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Keybrake.Mcp.Bench;

/// <summary>
/// <c>bench/stdio-client</c>: Node itself (the npm package <c>node</c>) and the official TypeScript MCP SDK, pinned by its
/// lockfile and installed with <c>npm ci</c> when the lockfile changed; <c>drive.mjs</c> is the client, <c>echo-server.mjs</c>
/// the baseline server. Only <c>npm</c> needs to be on PATH.
/// </summary>
public static class NodeClient
{
    public static string Folder => Path.Combine(Published.RepoRoot, "bench", "stdio-client");

    public static string Node => Path.Combine(Folder, "node_modules", "node", "bin", "node");

    public static string EchoServer => Path.Combine(Folder, "echo-server.mjs");

    /// <summary>Runs <c>npm ci</c> unless node_modules was installed from this very lockfile.</summary>
    public static async Task InstallAsync()
    {
        var stamp = Path.Combine(Folder, "node_modules", ".keybrake-lock-hash");
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Folder, "package-lock.json"))));
        if (File.Exists(Node) && File.Exists(stamp) && await File.ReadAllTextAsync(stamp) == hash)
        {
            return;
        }

        Console.Error.WriteLine("(npm ci in bench/stdio-client: Node and the TypeScript MCP SDK)");
        var (exit, _, stdout, stderr) = await Published.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", Folder], null);
        if (exit != 0 || !File.Exists(Node))
        {
            throw new InvalidOperationException($"npm ci in {Folder} failed (exit {exit}; the package 'node' installs its binary in a preinstall script): {stdout}\n{stderr}");
        }

        await File.WriteAllTextAsync(stamp, hash);
    }

    public static async Task<string> NodeVersionAsync() => (await Published.RunAsync(Node, ["--version"], null)).Stdout.Trim();

    /// <summary>One run of <c>drive.mjs</c>: spawns the server, measures, stops it.</summary>
    public static async Task<DriveResult> DriveAsync(ServerCommand server, DriveCall call, double seconds, double warmup, IReadOnlyDictionary<string, string?>? env)
    {
        string[] args =
        [
            Path.Combine(Folder, "drive.mjs"),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
            "--inflight", "16", "--tool", call.Tool, "--args", call.Arguments, "--expect", call.Expect,
            "--", server.File, .. server.Arguments,
        ];
        var (exit, _, stdout, stderr) = await Published.RunAsync(Node, args, env);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var result = line.StartsWith('{') ? JsonSerializer.Deserialize<DriveResult>(line, Json) : null;
        if (exit != 0 || result is null || result.Error is not null)
        {
            throw new InvalidOperationException($"drive.mjs against {server} failed (exit {exit}): {result?.Error ?? line}\n{result?.StderrTail}{stderr}");
        }

        return result;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>A server's command line: the file to start and the arguments before the subcommand's own.</summary>
public sealed record ServerCommand(string File, IReadOnlyList<string> Arguments)
{
    public ServerCommand With(params string[] more) => this with { Arguments = [.. Arguments, .. more] };

    public override string ToString() => string.Join(' ', [File, .. Arguments]);
}

/// <summary>What each call is: the tool, its arguments as a <c>drive.mjs</c> template, and the answer expected.</summary>
public sealed record DriveCall(string Tool, string Arguments, string Expect);

/// <summary>What <c>drive.mjs</c> prints.</summary>
public sealed record DriveResult
{
    public double ColdMs { get; init; }

    public long RssKb { get; init; }

    public long RssAnonKb { get; init; }

    public long RssFileKb { get; init; }

    public long Calls { get; init; }

    public double PerSecond { get; init; }

    public double ServerCpuUsPerCall { get; init; }

    public double ClientCpuUsPerCall { get; init; }

    /// <summary>Context switches of all the server's threads per call.</summary>
    public double ServerSwitchesPerCall { get; init; }

    public int ServerThreads { get; init; }

    public long StderrBytes { get; init; }

    /// <summary>Answers other than the expected one (warm-up included); most of them fail the run.</summary>
    public long Unexpected { get; init; }

    public string? FirstUnexpected { get; init; }

    public string? Error { get; init; }

    public string? StderrTail { get; init; }
}
