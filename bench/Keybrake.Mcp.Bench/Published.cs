using System.Diagnostics;

namespace Keybrake.Mcp.Bench;

/// <summary><c>dotnet publish</c> of <c>src/Keybrake.Mcp</c> into a temp folder, once per bench run and variant.</summary>
public static class Published
{
    public enum Variant
    {
        /// <summary>Framework-dependent, JIT (what <c>dotnet tool install</c> ships).</summary>
        Default,

        /// <summary>Framework-dependent, ReadyToRun (<c>-r linux-x64 -p:PublishReadyToRun=true</c>).</summary>
        ReadyToRun,

        /// <summary>Native AOT (<c>-r linux-x64 -p:PublishAot=true</c>): one native executable, no JIT.</summary>
        NativeAot,
    }

    private static readonly Dictionary<Variant, Task<string>> Builds = [];

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Keybrake.Mcp.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? Directory.GetCurrentDirectory();
        }
    }

    /// <summary>The folder holding the published <c>keybrake-mcp</c> (apphost and dll, or the native executable).</summary>
    public static Task<string> PathAsync(Variant variant)
    {
        lock (Builds)
        {
            if (!Builds.TryGetValue(variant, out var build))
            {
                // One publish at a time: the ReadyToRun and native builds share the project's linux-x64 intermediate folder.
                var previous = Builds.Values.ToArray();
                Builds[variant] = build = Task.WhenAll(previous).ContinueWith(_ => PublishAsync(variant)).Unwrap();
            }

            return build;
        }
    }

    private static async Task<string> PublishAsync(Variant variant)
    {
        // KEYBRAKE_BENCH_REUSE_PUBLISH=1 keeps one folder per variant across runs and publishes only into an empty one:
        // for trying runtime settings on the same build (a native publish takes minutes). Off, every run publishes afresh.
        var reuse = Environment.GetEnvironmentVariable("KEYBRAKE_BENCH_REUSE_PUBLISH") == "1";
        var output = Path.Combine(Path.GetTempPath(), "keybrake-bench", reuse ? $"publish-{variant}" : $"publish-{variant}-{Environment.ProcessId}");
        if (reuse && File.Exists(Path.Combine(output, "keybrake-mcp")))
        {
            Console.Error.WriteLine($"(reusing the {variant} build in {output})");
            return output;
        }

        var args = new List<string> { "publish", Path.Combine(RepoRoot, "src", "Keybrake.Mcp", "Keybrake.Mcp.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q" };
        if (variant == Variant.ReadyToRun)
        {
            args.AddRange(["-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-p:PublishAot=false"]);
        }
        else if (variant == Variant.NativeAot)
        {
            args.AddRange(["-r", "linux-x64", "-p:PublishAot=true"]);
        }
        else
        {
            // The project publishes natively by default (its linux-x64 tool package): the JIT build says otherwise.
            args.Add("-p:PublishAot=false");
        }

        Console.Error.WriteLine($"(publishing keybrake-mcp, {variant}, to {output})");
        var (exit, _, stdout, stderr) = await RunAsync("dotnet", args, null);
        if (exit != 0)
        {
            throw new InvalidOperationException($"dotnet publish ({variant}) failed: {stdout}\n{stderr}");
        }

        return output;
    }

    /// <summary>Runs a CLI command of the published tool; returns its exit code and wall time from start to exit.</summary>
    public static async Task<(int Exit, double WallMs)> RunCliAsync(string folder, IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var (exit, wall, _, _) = await RunAsync(Path.Combine(folder, "keybrake-mcp"), args, env);
        return (exit, wall);
    }

    public static async Task<(int Exit, double WallMs, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Apply(start, env);
        var t = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var wall = Stats.Ms(Stopwatch.GetTimestamp() - t);
        return (process.ExitCode, wall, await stdout, await stderr);
    }

    public static void Apply(ProcessStartInfo start, IReadOnlyDictionary<string, string?>? env)
    {
        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
    }
}
