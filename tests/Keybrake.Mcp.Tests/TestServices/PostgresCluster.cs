using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: <c>initdb</c> into a temporary folder, the server on a free loopback
/// port (no Unix socket), password authentication, stopped when the test process exits. Each test takes a database of
/// its own from it. As root, the cluster runs as the <c>postgres</c> user (PostgreSQL refuses to run as root).
/// </summary>
public sealed class PostgresCluster
{
    /// <summary>The superuser's password: tests assert it never shows in output, so it is recognizable.</summary>
    public const string Password = "pg-secret-7f3a9c";

    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartAsync);
    private int _databases;

    private PostgresCluster(string folder, int port, string binaries)
    {
        Folder = folder;
        Port = port;
        Binaries = binaries;
    }

    public string Folder { get; }

    public int Port { get; }

    /// <summary>The folder of <c>initdb</c>, <c>pg_ctl</c> and <c>psql</c>.</summary>
    public string Binaries { get; }

    /// <summary>The cluster of this test run, started on first use.</summary>
    public static Task<PostgresCluster> GetAsync() => Shared.Value;

    /// <summary>A new, empty database and its URL in the form operators write (<c>postgres://user:pass@host:port/db</c>).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"kb_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return Url(name);
    }

    public string Url(string database) => $"postgres://postgres:{Password}@127.0.0.1:{Port}/{database}";

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database};Pooling=false";

    /// <summary>Runs one SQL statement on a database of this cluster (by its URL), for tests that look under the ledger.</summary>
    public async Task<object?> ScalarAsync(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(new Uri(url).AbsolutePath.Trim('/')));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: the tests of the PostgreSQL ledger start a throwaway cluster with its initdb and pg_ctl " +
            "(Debian: apt-get install postgresql; .ci/run installs it)");
        var folder = Path.Combine(Path.GetTempPath(), "keybrake-tests", $"pg-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        var data = Path.Combine(folder, "data");
        var passwordFile = Path.Combine(folder, "pw");
        await File.WriteAllTextAsync(passwordFile, Password);
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres", folder], asUser: null);
        }

        var user = asPostgres ? "postgres" : null;
        await RunAsync(Path.Combine(binaries, "initdb"),
            ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], user);
        var port = LoopbackPort.Free();
        // Small and fast: fsync off (a crash of the test machine loses a throwaway cluster), enough connections for three
        // servers with their pools and the tests beside them.
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB";
        await RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(folder, "log"), "-w", "-t", "60", "start"], user);
        var cluster = new PostgresCluster(folder, port, binaries);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop(user);
        return cluster;
    }

    private void Stop(string? user)
    {
        try
        {
            RunAsync(Path.Combine(Binaries, "pg_ctl"), ["-D", Path.Combine(Folder, "data"), "-m", "immediate", "-w", "stop"], user).GetAwaiter().GetResult();
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // The OS temp cleaner gets a folder left behind.
        }
    }

    private static string? FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => (Folder: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Folder, "initdb")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Folder is not null)
            {
                return newest.Folder;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .FirstOrDefault(p => p.Length > 0 && File.Exists(Path.Combine(p, "initdb")) && File.Exists(Path.Combine(p, "pg_ctl")));
    }


    private static async Task RunAsync(string file, IReadOnlyList<string> args, string? asUser)
    {
        var start = asUser is null ? new ProcessStartInfo(file) : new ProcessStartInfo("runuser");
        if (asUser is not null)
        {
            foreach (var arg in new[] { "-u", asUser, "--", file })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Not inside the test's folder: initdb and the server need a working directory the postgres user can enter.
        start.WorkingDirectory = "/";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stdout} {await stderr}");
        }
    }
}
