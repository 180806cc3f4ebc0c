using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp;

/// <summary>
/// The server's tunables, read once at start from the environment (<c>KEYBRAKE_*</c>), each default written beside it. A
/// value that cannot be used is an error naming the variable, never silently replaced by the default. Where a flag sets
/// the same thing (<c>--db</c>, <c>--manifests</c>, <c>--log-level</c>), the flag wins.
/// </summary>
public sealed record ServerSettings
{
    /// <summary><c>KEYBRAKE_STRIPE_API_BASE</c>: every Stripe call goes to this base URL instead (a local test double). Default: Stripe's.</summary>
    public Uri? StripeApiBase { get; init; }

    /// <summary><c>KEYBRAKE_STRIPE_TIMEOUT_MS</c>: how long one Stripe request may take. Default 30,000 ms.</summary>
    public TimeSpan StripeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>KEYBRAKE_STRIPE_MAX_RETRIES</c>: Stripe.net's retries of network failures, 409 and 5xx, on the same key. Default 2.</summary>
    public int StripeNetworkRetries { get; init; } = 2;

    /// <summary><c>KEYBRAKE_STRIPE_RETRY_BASE_MS</c>: the first backoff of our retries of 429 (which Stripe.net leaves to us); it doubles. Default 250 ms.</summary>
    public TimeSpan StripeRetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many times a 429 is retried (not an environment variable). 3.</summary>
    public int StripeRateLimitRetries { get; init; } = 3;

    /// <summary><c>KEYBRAKE_RECONCILE_GRACE_SECONDS</c>: how old an unknown outcome must be before a server settles it on its own. Default 120 s.</summary>
    public TimeSpan ReconcileGrace { get; init; } = Governance.Reconciler.DefaultGrace;

    /// <summary><c>KEYBRAKE_LEASE_SECONDS</c>: how long an instance's lease lasts unless renewed (renewed every quarter of it). Default 20 s.</summary>
    public TimeSpan LeaseLength { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary><c>KEYBRAKE_DB_SYNCHRONOUS</c>: <c>full</c> fsyncs every SQLite commit (survives a power cut); <c>normal</c>, the default, survives a crash or kill -9.</summary>
    public bool FullSync { get; init; }

    /// <summary><c>KEYBRAKE_DB</c>: the ledger, a SQLite file or a <c>postgres://</c> URL; <c>--db</c> wins. Default: <c>$XDG_DATA_HOME/keybrake/keybrake.db</c>.</summary>
    public string? Database { get; init; }

    /// <summary><c>KEYBRAKE_MANIFESTS</c>: the manifest folder; <c>--manifests</c> wins. Default: <c>./tool-manifests</c>, else <c>$XDG_CONFIG_HOME/keybrake/tool-manifests</c>.</summary>
    public string? Manifests { get; init; }

    /// <summary><c>KEYBRAKE_LOG_LEVEL</c>: what servers write to stderr; <c>--log-level</c> wins. Default: warning (nothing per call).</summary>
    public LogLevel? LogLevel { get; init; }

    /// <summary><c>KEYBRAKE_AUDIT_KEY</c>: the private key (from <c>audit keygen</c>) a server signs audit checkpoints with; <c>serve --audit-key</c> wins. Default: none, no checkpoints.</summary>
    public string? AuditKey { get; init; }

    /// <summary><c>KEYBRAKE_AUDIT_CHECKPOINT_SECONDS</c>: how often a server with an audit key checkpoints the chain's head, when it moved. Default 300 s.</summary>
    public TimeSpan AuditCheckpointInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>KEYBRAKE_AUDIT_ANCHORS</c>: where those checkpoints go, comma-separated: <c>stderr</c>, <c>syslog[:SOCKET]</c>, an
    /// http(s) webhook URL, an absolute file path. Default: <c>stderr</c>.
    /// </summary>
    public IReadOnlyList<string> AuditAnchors { get; init; } = [Ledger.Checkpoints.CheckpointAnchors.Default];

    /// <summary>The defaults, changed by whatever the environment sets; throws <see cref="SettingsException"/> naming each unusable value.</summary>
    public static ServerSettings FromEnvironment(Func<string, string?> env)
    {
        var problems = new List<string>();
        var defaults = new ServerSettings();
        var settings = new ServerSettings
        {
            StripeApiBase = Read(env, "KEYBRAKE_STRIPE_API_BASE", problems, defaults.StripeApiBase,
                text => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null, "an absolute http(s) URL"),
            StripeTimeout = Read(env, "KEYBRAKE_STRIPE_TIMEOUT_MS", problems, defaults.StripeTimeout, text => Whole(text, 1) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                "a whole number of milliseconds, at least 1"),
            StripeNetworkRetries = Read(env, "KEYBRAKE_STRIPE_MAX_RETRIES", problems, defaults.StripeNetworkRetries, text => Whole(text, 0, 10), "a whole number from 0 to 10"),
            StripeRetryBaseDelay = Read(env, "KEYBRAKE_STRIPE_RETRY_BASE_MS", problems, defaults.StripeRetryBaseDelay,
                text => Whole(text, 0) is { } ms ? TimeSpan.FromMilliseconds(ms) : null, "a whole number of milliseconds, 0 or more"),
            ReconcileGrace = Read(env, "KEYBRAKE_RECONCILE_GRACE_SECONDS", problems, defaults.ReconcileGrace,
                text => Whole(text, 0) is { } s ? TimeSpan.FromSeconds(s) : null, "a whole number of seconds, 0 or more"),
            LeaseLength = Read(env, "KEYBRAKE_LEASE_SECONDS", problems, defaults.LeaseLength,
                text => Whole(text, 1) is { } s ? TimeSpan.FromSeconds(s) : null, "a whole number of seconds, at least 1"),
            FullSync = Read(env, "KEYBRAKE_DB_SYNCHRONOUS", problems, defaults.FullSync, text => text.ToLowerInvariant() switch
            {
                "full" => true,
                "normal" => false,
                _ => (bool?)null,
            }, "full or normal"),
            Database = Checked(env, "KEYBRAKE_DB", problems, value => LedgerError(value) is { } bad ? $"KEYBRAKE_DB: {bad}" : null),
            Manifests = Checked(env, "KEYBRAKE_MANIFESTS", problems, _ => null),
            AuditKey = Checked(env, "KEYBRAKE_AUDIT_KEY", problems, _ => null),
            AuditCheckpointInterval = Read(env, "KEYBRAKE_AUDIT_CHECKPOINT_SECONDS", problems, defaults.AuditCheckpointInterval,
                text => Whole(text, 1) is { } s ? TimeSpan.FromSeconds(s) : null, "a whole number of seconds, at least 1"),
            AuditAnchors = Checked(env, "KEYBRAKE_AUDIT_ANCHORS", problems, value => Ledger.Checkpoints.CheckpointAnchors.Split(value) switch
            {
                [] => "KEYBRAKE_AUDIT_ANCHORS: names no anchor (unset it for the default, stderr)",
                var entries => entries.Select(Ledger.Checkpoints.CheckpointAnchors.Problem).FirstOrDefault(p => p is not null) is { } bad
                    ? $"KEYBRAKE_AUDIT_ANCHORS: {bad}"
                    : null,
            }) is { } anchors
                ? Ledger.Checkpoints.CheckpointAnchors.Split(anchors)
                : defaults.AuditAnchors,
            LogLevel = Checked(env, "KEYBRAKE_LOG_LEVEL", problems,
                value => Cli.LogLevels.Parse(value) is null ? $"KEYBRAKE_LOG_LEVEL: '{value}' is not one of {Cli.LogLevels.Names}" : null) is { } level
                ? Cli.LogLevels.Parse(level)
                : null,
        };
        return problems.Count == 0 ? settings : throw new SettingsException(problems);
    }

    private static T Read<T>(Func<string, string?> env, string name, List<string> problems, T fallback, Func<string, T?> parse, string expected)
        where T : struct => Read(env, name, problems, (T?)fallback, text => parse(text), expected) ?? fallback;

    private static T? Read<T>(Func<string, string?> env, string name, List<string> problems, T? fallback, Func<string, T?> parse, string expected)
    {
        if (env(name) is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (parse(text.Trim()) is { } value)
        {
            return value;
        }

        problems.Add($"{name}: '{text}' is not {expected}");
        return fallback;
    }

    /// <summary>What is wrong with a ledger location (another scheme, a URL without a database), or null when it names a ledger.</summary>
    public static string? LedgerError(string value)
    {
        try
        {
            Ledger.LedgerLocation.Parse(value);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>A variable's text when it is set and <paramref name="problem"/> finds nothing wrong with it; else null (and the problem noted).</summary>
    private static string? Checked(Func<string, string?> env, string name, List<string> problems, Func<string, string?> problem)
    {
        if (env(name) is not { Length: > 0 } value)
        {
            return null;
        }

        if (problem(value) is { } wrong)
        {
            problems.Add(wrong);
            return null;
        }

        return value;
    }

    private static int? Whole(string text, int min, int max = int.MaxValue) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null;
}

/// <summary>One or more settings from the environment cannot be used; the message names each.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems => problems;
}
