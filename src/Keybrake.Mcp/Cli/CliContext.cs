using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Cli;

/// <summary>What every command gets: its output streams, the environment and the resolved global options.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, Func<string, string?> Environment, string ManifestsDirectory, string DatabasePath)
{
    /// <summary>Loads and validates the manifests, printing every error; null when there is any.</summary>
    public ManifestSet? LoadManifests()
    {
        var result = ManifestLoader.LoadDirectory(ManifestsDirectory);
        foreach (var error in result.Errors)
        {
            Error.WriteLine(error.ToString());
        }

        return result.Set;
    }

    /// <summary>Opens the shared ledger, creating it on first use.</summary>
    public async Task<SqliteLedger> OpenLedgerAsync(CancellationToken ct) => new(await OpenDatabaseAsync(ct), TimeProvider.System);

    /// <summary>Opens the ledger's database, creating and migrating it on first use.</summary>
    public async Task<SqliteDatabase> OpenDatabaseAsync(CancellationToken ct)
    {
        // Operator commands are rare and a revoke must survive even a power cut once it returned: fsync every commit.
        var database = new SqliteDatabase(DatabasePath, fullSync: true);
        await database.InitializeAsync(ct);
        return database;
    }

    /// <summary>The default database path: <c>$XDG_DATA_HOME/keybrake/keybrake.db</c>, else <c>~/.local/share/keybrake/keybrake.db</c>.</summary>
    public static string DefaultDatabasePath(Func<string, string?> env)
    {
        var dataHome = env("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(env("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(dataHome, "keybrake", "keybrake.db");
    }
}
