using System.CommandLine;

namespace Keybrake.Mcp.Cli;

/// <summary>The <c>keybrake-mcp</c> command line: global options, the commands, and the contract's exit codes.</summary>
public static class KeybrakeCli
{
    /// <param name="terminal">Stdin when it is a terminal, for commands that ask (init); null answers with defaults.</param>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> env, TextWriter output, TextWriter error, CancellationToken ct = default, TextReader? terminal = null)
    {
        var manifests = new Option<string?>("--manifests") { Description = "Manifest folder (env KEYBRAKE_MANIFESTS, default ./tool-manifests).", Recursive = true };
        var db = new Option<string?>("--db") { Description = "Ledger database (env KEYBRAKE_DB, default $XDG_DATA_HOME/keybrake/keybrake.db).", Recursive = true };
        CliContext Context(ParseResult parse) => new(
            output,
            error,
            env,
            parse.GetValue(manifests) ?? env("KEYBRAKE_MANIFESTS") ?? Path.Combine(".", "tool-manifests"),
            parse.GetValue(db) ?? env("KEYBRAKE_DB") ?? CliContext.DefaultDatabasePath(env));

        var root = new RootCommand("Keybrake MCP: governed Stripe tools for LLM agents (budgets, allowlists, audit, instant revoke).")
        {
            manifests,
            db,
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

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }
}
