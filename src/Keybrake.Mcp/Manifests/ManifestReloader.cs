using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Manifests;

/// <summary>
/// Watches the manifest folder and swaps in a new, fully valid set of manifests. A broken edit is rejected with its
/// errors logged and the policy in force keeps serving; budgets and holds live in the ledger, so they survive.
/// </summary>
public sealed class ManifestReloader(string directory, ManifestSource source, ILogger<ManifestReloader> logger) : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    // Editors save in several steps (truncate, write, rename); the watcher also misses events on some file systems.
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private Timer? _poll;
    private string _fingerprint = "";

    /// <summary>Raised after a valid set was swapped in.</summary>
    public event Action<ManifestSet>? Reloaded;

    public void Start()
    {
        _fingerprint = Fingerprint();
        _debounce = new Timer(_ => ReloadIfChanged(), null, Timeout.Infinite, Timeout.Infinite);
        _poll = new Timer(_ => ReloadIfChanged(), null, PollInterval, PollInterval);
        try
        {
            _watcher = new FileSystemWatcher(directory, "*.json") { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
            _watcher.Changed += (_, _) => Nudge();
            _watcher.Created += (_, _) => Nudge();
            _watcher.Deleted += (_, _) => Nudge();
            _watcher.Renamed += (_, _) => Nudge();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            logger.LogWarning("Cannot watch {Directory} ({Error}); checking it every {Seconds} s instead", directory, ex.Message, PollInterval.TotalSeconds);
        }
    }

    /// <summary>Reloads now if the files changed since the last load; returns true when a new set was swapped in.</summary>
    public bool ReloadIfChanged()
    {
        lock (_gate)
        {
            var fingerprint = Fingerprint();
            if (fingerprint == _fingerprint)
            {
                return false;
            }

            _fingerprint = fingerprint;
            var result = ManifestLoader.LoadDirectory(directory);
            if (result.Set is null)
            {
                // One entry with every error, so a reader of the log never sees the verdict without its reasons.
                logger.LogWarning("Manifest change in {Directory} rejected with {Count} error(s); the previous policy keeps serving:\n{Errors}",
                    directory, result.Errors.Length, string.Join("\n", result.Errors.Select(e => e.ToString())));

                return false;
            }

            source.Replace(result.Set);
            logger.LogInformation("Reloaded manifests from {Directory}: {Roles}", directory, string.Join(", ", result.Set.Roles.Keys.Order(StringComparer.Ordinal)));
            Reloaded?.Invoke(result.Set);
            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _poll?.Dispose();
    }

    private void Nudge() => _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);

    private string Fingerprint()
    {
        try
        {
            return string.Join("|", Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(f =>
            {
                var info = new FileInfo(f);
                return $"{info.Name}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
            }));
        }
        catch (IOException)
        {
            return "unreadable";
        }
    }
}
