using System.CommandLine;

namespace Keybrake.Mcp.Cli;

/// <summary>The <c>keybrake-mcp</c> command line: global options, the commands, and the contract's exit codes.</summary>
public static class KeybrakeCli
{
    /// <param name="terminal">Stdin when it is a terminal, for commands that ask (init); null answers with defaults.</param>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> env, TextWriter output, TextWriter error, CancellationToken ct = default, TextReader? terminal = null)
    {
        ServerSettings settings;
        try
        {
            // Read here once so that a bad value stops every command at once, named, rather than some call later.
            settings = ServerSettings.FromEnvironment(env);
        }
        catch (SettingsException ex)
        {
            foreach (var problem in ex.Problems)
            {
                error.WriteLine(problem);
            }

            return ExitCodes.BadUsage;
        }

        var manifests = new Option<string?>("--manifests")
        {
            Description = "Manifest folder (env KEYBRAKE_MANIFESTS; default ./tool-manifests if it exists, else $XDG_CONFIG_HOME/keybrake/tool-manifests).",
            Recursive = true,
        };
        var db = new Option<string?>("--db")
        {
            Description = "Ledger: a SQLite file, or postgres://user:password@host:5432/database for several instances (env KEYBRAKE_DB, " +
                          "default $XDG_DATA_HOME/keybrake/keybrake.db).",
            Recursive = true,
        };
        db.Validators.Add(result =>
        {
            if (result.GetValue(db) is { } value && ServerSettings.LedgerError(value) is { } bad)
            {
                result.AddError(bad);
            }
        });
        var sandbox = new Option<bool>("--sandbox")
        {
            Description = "The sandbox: its own ledger (keybrake-sandbox.db beside the real one, unless --db) and, for serve, a simulated Stripe account.",
            Recursive = true,
        };
        var logLevel = new Option<string?>("--log-level")
        {
            Description = "What servers write to stderr (env KEYBRAKE_LOG_LEVEL): trace, debug, information, warning (default), error, critical, none.",
            Recursive = true,
        };
        logLevel.Validators.Add(result =>
        {
            if (result.GetValue(logLevel) is { } text && LogLevels.Parse(text) is null)
            {
                result.AddError($"--log-level: '{text}' is not one of {LogLevels.Names}");
            }
        });

        CliContext Context(ParseResult parse)
        {
            var (manifestsDirectory, tried) = (parse.GetValue(manifests) ?? settings.Manifests) is { Length: > 0 } folder
                ? (folder, (IReadOnlyList<string>)[])
                : DefaultManifests(env);
            var realLedger = settings.Database ?? CliContext.DefaultDatabasePath(env);
            var inSandbox = parse.GetValue(sandbox);
            var sandboxLedger = CliContext.SandboxDatabasePath(realLedger);
            var given = parse.GetValue(db);
            return new CliContext(output, error, env, manifestsDirectory, given ?? (inSandbox ? sandboxLedger : realLedger))
            {
                Sandbox = inSandbox,
                OtherDatabasePath = given is null ? (inSandbox ? realLedger : sandboxLedger) : null,
                ManifestsTried = tried,
                LogLevel = LogLevels.Parse(parse.GetValue(logLevel)) ?? settings.LogLevel ?? Microsoft.Extensions.Logging.LogLevel.Warning,
            };
        }

        var root = new RootCommand("Keybrake MCP: governed Stripe tools for LLM agents (budgets, allowlists, audit, instant revoke).")
        {
            manifests,
            db,
            sandbox,
            logLevel,
            ServeCommand.Create(Context),
            RevokeCommand.Revoke(Context),
            RevokeCommand.Reinstate(Context),
            AuditCommand.Create(Context),
            SpendCommand.Create(Context),
            ValidateCommand.Create(Context),
            KeysCommand.Create(Context),
            TokenCommand.Create(Context),
            ReconcileCommand.Create(Context),
            ApprovalsCommand.Create(Context),
            AgentsCommand.Create(Context),
            InitCommand.Create(Context, terminal),
            SandboxCommand.Create(Context),
            DbCommand.Create(Context),
            ConsoleCommand.Create(Context),
            OperatorCommand.Create(Context),
        };
        CliExamples.AddTo(root);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                error.WriteLine(parseError.Message);
            }

            error.WriteLine("Run 'keybrake-mcp --help' for usage.");
            return ExitCodes.BadUsage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Ledger.LedgerUnavailableException ex)
        {
            // Said in one line, with no stack trace: the ledger is the operator's to fix (a file, a database, a network).
            error.WriteLine($"keybrake-mcp: {ex.Message}");
            return ExitCodes.CheckFailed;
        }
    }

    // Clients start servers from any folder: ./tool-manifests when there is one, else the user's config folder.
    private static (string Directory, IReadOnlyList<string> Tried) DefaultManifests(Func<string, string?> env)
    {
        var local = Path.Combine(".", "tool-manifests");
        var config = CliContext.ConfigManifestsDirectory(env);
        return (Directory.Exists(local) ? local : config, [local, config]);
    }
}
