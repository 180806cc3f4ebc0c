using System.CommandLine;
using Keybrake.Mcp.Sandbox;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp sandbox reset</c>: starts the sandbox over: its simulated account and its ledger.</summary>
public static class SandboxCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var reset = new Command("reset",
            "Delete the sandbox's simulated Stripe account and its ledger, so the next 'serve --sandbox' starts from the seed. " +
            "Stop running sandbox servers first. The real ledger is never touched.");
        reset.SetAction(parse =>
        {
            var cli = context(parse);
            // Without --db the sandbox ledger is the one beside the real ledger; with --db it must be a sandbox's own.
            var ledger = cli.Sandbox || cli.OtherDatabasePath is null ? cli.DatabasePath : cli.OtherDatabasePath;
            var state = SandboxHost.StatePath(ledger);
            if (!File.Exists(state))
            {
                if (cli.OtherDatabasePath is null && File.Exists(ledger))
                {
                    cli.Error.WriteLine($"sandbox reset: {ledger} has no simulated account beside it ({state}): it is not a sandbox ledger, so it is left alone");
                    return ExitCodes.CheckFailed;
                }

                cli.Out.WriteLine($"nothing to reset: no sandbox account at {state}");
                return ExitCodes.Success;
            }

            var removed = new List<string>();
            foreach (var file in new[] { state, ledger }.SelectMany(f => new[] { f, f + "-wal", f + "-shm" }).Where(File.Exists))
            {
                File.Delete(file);
                removed.Add(file);
            }

            cli.Out.WriteLine($"sandbox reset: removed {string.Join(", ", removed)}; the next 'keybrake-mcp serve --sandbox' seeds a new account");
            return ExitCodes.Success;
        });
        return new Command("sandbox", "The sandbox's simulated Stripe account.") { reset };
    }
}
