using System.CommandLine;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp validate</c>: checks every manifest and prints every error with file and JSON path.</summary>
public static class ValidateCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var command = new Command("validate", "Check every manifest; print each error with file and JSON path; exit 1 on any.");
        command.SetAction(parse =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            foreach (var role in manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal))
            {
                cli.Out.WriteLine($"ok  {role.Role}: {role.Agents.Length} agent(s), {role.Tools.Count} tool(s), {role.Budgets.Length} budget(s)  ({role.SourceFile})");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
