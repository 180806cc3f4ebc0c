using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Cli;

/// <summary>What every command gets: its output streams, the environment and the resolved global options.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, Func<string, string?> Environment, string ManifestsDirectory, string DatabasePath)
{
    /// <summary><c>--sandbox</c>: the sandbox's ledger (and, for <c>serve</c>, its simulated Stripe account).</summary>
    public bool Sandbox { get; init; }

    /// <summary>
    /// The other ledger of this machine (the real one when this is the sandbox's, and the reverse) when the ledger was
    /// not named with <c>--db</c>: where an agent that this ledger has never seen may be working instead.
    /// </summary>
    public string? OtherDatabasePath { get; init; }

    /// <summary>The folders looked in for manifests when none was named (<c>./tool-manifests</c>, then the config folder).</summary>
    public IReadOnlyList<string> ManifestsTried { get; init; } = [];

    /// <summary>stderr's log level for servers (<c>--log-level</c> / <c>KEYBRAKE_LOG_LEVEL</c>): warnings and errors by default.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>The ledger <see cref="DatabasePath"/> names: a SQLite file or a PostgreSQL database (checked when the command line is read).</summary>
    public LedgerLocation Ledger => LedgerLocation.Parse(DatabasePath);

    /// <summary>The ledger as messages name it: its path or URL (never its password), and "(sandbox)" for the sandbox's.</summary>
    public string LedgerName => Sandbox ? $"{Ledger.Name} (sandbox)" : Ledger.Name;

    /// <summary>Loads and validates the manifests, printing every error; null when there is any.</summary>
    public ManifestSet? LoadManifests()
    {
        if (ManifestsTried.Count > 1 && !Directory.Exists(ManifestsDirectory))
        {
            Error.WriteLine($"no manifest folder found: looked in {string.Join(" and ", ManifestsTried)}. " +
                            "Create one with 'keybrake-mcp init support-refunds', or name yours with --manifests DIR (env KEYBRAKE_MANIFESTS)");
            return null;
        }

        var result = ManifestLoader.LoadDirectory(ManifestsDirectory);
        foreach (var error in result.Errors)
        {
            Error.WriteLine(error.ToString());
        }

        return result.Set;
    }

    /// <summary>Opens the shared ledger, creating it on first use.</summary>
    public async Task<SqlLedger> OpenLedgerAsync(CancellationToken ct) => new(await OpenDatabaseAsync(ct), TimeProvider.System);

    /// <summary>Opens the ledger's database, creating and migrating it on first use, and says on stderr which ledger it is.</summary>
    public async Task<ILedgerDatabase> OpenDatabaseAsync(CancellationToken ct)
    {
        // The real and the sandbox ledger are two: an operator must see which one a command acted on.
        Error.WriteLine($"ledger: {LedgerName}");
        // Operator commands are rare and a revoke must survive even a power cut once it returned: fsync every commit.
        return await LedgerDatabases.OpenMigratedAsync(Ledger, new LedgerOptions { FullSync = true }, ct);
    }

    /// <summary>
    /// Warns (on stderr) when <paramref name="agent"/> has never called through this ledger but has through the other one:
    /// a revoke of the real ledger does not stop a sandbox agent, and the reverse.
    /// </summary>
    public async Task WarnIfAgentIsElsewhereAsync(SqlLedger ledger, string agent, CancellationToken ct)
    {
        if (OtherDatabasePath is not { } other || !File.Exists(other) || await CallsOfAsync(ledger, agent, ct) > 0)
        {
            return;
        }

        using var database = await LedgerDatabases.OpenMigratedAsync(LedgerLocation.Parse(other), null, ct);
        var elsewhere = await CallsOfAsync(new SqlLedger(database, TimeProvider.System), agent, ct);
        if (elsewhere > 0)
        {
            Error.WriteLine($"warning: agent '{agent}' has never called through this ledger ({LedgerName}), but made {elsewhere} call(s) through " +
                            $"{other}{(Sandbox ? "" : " (sandbox)")}: {(Sandbox ? "drop --sandbox" : "add --sandbox")} to act there");
        }
    }

    private static async Task<int> CallsOfAsync(SqlLedger ledger, string agent, CancellationToken ct) =>
        (await ledger.ReadAuditAsync(new AuditQuery(agent, Limit: 1) { WithHashes = false, WithPayloads = false }, ct)).Count;

    /// <summary>The default database path: <c>$XDG_DATA_HOME/keybrake/keybrake.db</c>, else <c>~/.local/share/keybrake/keybrake.db</c>.</summary>
    public static string DefaultDatabasePath(Func<string, string?> env)
    {
        var dataHome = env("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Home(env), ".local", "share");
        return Path.Combine(dataHome, "keybrake", "keybrake.db");
    }

    /// <summary>The manifests folder of the user's configuration: <c>$XDG_CONFIG_HOME/keybrake/tool-manifests</c>, else <c>~/.config/keybrake/tool-manifests</c>.</summary>
    public static string ConfigManifestsDirectory(Func<string, string?> env)
    {
        var configHome = env("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Home(env), ".config");
        return Path.Combine(configHome, "keybrake", "tool-manifests");
    }

    /// <summary>The sandbox's ledger beside a real one: <c>keybrake-sandbox.db</c> in the same folder.</summary>
    public static string SandboxDatabasePath(string realLedger) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(realLedger)) ?? ".", "keybrake-sandbox.db");

    private static string Home(Func<string, string?> env) =>
        env("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
}
