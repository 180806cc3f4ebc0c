using System.CommandLine;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp db migrate</c> and <c>db copy --from FILE --to URL</c>: the ledger's schema, and moving a ledger to PostgreSQL.</summary>
public static class DbCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var migrate = new Command("migrate",
            "Create the ledger's schema (--db), or bring it up to date. Servers and commands do this on first use too; run it to do it at a time of your choosing.");
        migrate.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            using var database = LedgerDatabases.Open(cli.Ledger);
            var done = await database.MigrateAsync(ct);
            cli.Out.WriteLine(done.From == done.To
                ? $"{cli.LedgerName}: schema version {done.To}, up to date"
                : $"{cli.LedgerName}: schema version {done.From} -> {done.To}");
            return ExitCodes.Success;
        });

        var from = new Option<string>("--from") { Description = "The ledger to copy (a SQLite file).", Required = true };
        var to = new Option<string>("--to") { Description = "The empty ledger to copy it into (postgres://user:password@host:5432/database).", Required = true };
        var copy = new Command("copy",
            "Copy a whole ledger into an empty one, in one transaction: every audit row and chain event with its id and hash, budgets held and spent, " +
            "revocations, approvals, tokens. The chain is verified on the target against the source; exit 1 if it differs.") { from, to };
        copy.Validators.Add(result =>
        {
            foreach (var option in new[] { from, to })
            {
                if (result.GetValue(option) is { } value && ServerSettings.LedgerError(value) is { } problem)
                {
                    result.AddError($"{option.Name}: {problem}");
                }
            }
        });
        copy.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var source = LedgerLocation.Parse(parse.GetValue(from)!);
            var target = LedgerLocation.Parse(parse.GetValue(to)!);
            if (source is LedgerLocation.SqliteFile { Path: var path } && !File.Exists(path))
            {
                cli.Error.WriteLine($"db copy: {path} does not exist");
                return ExitCodes.CheckFailed;
            }

            if (source == target)
            {
                cli.Error.WriteLine("db copy: --from and --to name the same ledger");
                return ExitCodes.BadUsage;
            }

            // The source is brought to this version's schema first, so that both have the same columns.
            using var fromDatabase = await LedgerDatabases.OpenMigratedAsync(source, null, ct);
            using var toDatabase = await LedgerDatabases.OpenMigratedAsync(target, null, ct);
            LedgerCopyReport report;
            try
            {
                report = await LedgerCopy.CopyAsync(fromDatabase, toDatabase, ct);
            }
            catch (InvalidOperationException ex)
            {
                cli.Error.WriteLine($"db copy: {ex.Message}");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"copied {source.Name} to {target.Name}: " +
                              string.Join(", ", report.Rows.Select(r => $"{r.Value:N0} {r.Key}")));
            if (!report.Intact)
            {
                cli.Error.WriteLine($"db copy: the chain on {target.Name} does not match the source's: source {report.Source}; target {report.Target}");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"chain verified on {target.Name}: {report.Target.Events:N0} events, {report.Target.Records:N0} records, head {report.Target.Head} (the source's)");
            return ExitCodes.Success;
        });

        return new Command("db", "The ledger's database: create or upgrade its schema, move it to PostgreSQL.") { migrate, copy };
    }
}
