using System.CommandLine;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Cli;

/// <summary><c>revoke</c> and <c>reinstate</c>: stop (or restart) agents anywhere on the machine, from their very next call.</summary>
public static class RevokeCommand
{
    public static Command Revoke(Func<ParseResult, CliContext> context) => Create("revoke",
        "Refuse every next call of an agent, a role's agents or all agents, in every running server. Exits 0 once durable.", context, revoke: true);

    public static Command Reinstate(Func<ParseResult, CliContext> context) => Create("reinstate",
        "Undo a revoke of an agent, a role or all agents.", context, revoke: false);

    private static Command Create(string name, string description, Func<ParseResult, CliContext> context, bool revoke)
    {
        var agent = new Argument<string?>("AGENT") { Description = "The agent to act on.", Arity = ArgumentArity.ZeroOrOne };
        var role = new Option<string?>("--role") { Description = "Act on every agent of this role." };
        var all = new Option<bool>("--all") { Description = "Act on every agent." };
        var reason = new Option<string?>("--reason") { Description = "Why, shown to the agent and in the audit log." };
        var command = new Command(name, description) { agent, role, all };
        if (revoke)
        {
            command.Options.Add(reason);
        }

        command.Validators.Add(result =>
        {
            var given = (result.GetValue(agent) is not null ? 1 : 0) + (result.GetValue(role) is not null ? 1 : 0) + (result.GetValue(all) ? 1 : 0);
            if (given != 1)
            {
                result.AddError($"{name}: give exactly one of AGENT, --role ROLE or --all");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            string scope, what;
            if (parse.GetValue(agent) is { } agentName)
            {
                if (manifests.RoleOf(agentName) is null)
                {
                    cli.Error.WriteLine($"{name}: agent '{agentName}' is not listed in any manifest in {cli.ManifestsDirectory}");
                    return ExitCodes.CheckFailed;
                }

                (scope, what) = (RevocationScopes.Agent(agentName), $"agent '{agentName}'");
            }
            else if (parse.GetValue(role) is { } roleName)
            {
                if (!manifests.Roles.ContainsKey(roleName))
                {
                    cli.Error.WriteLine($"{name}: role '{roleName}' has no manifest in {cli.ManifestsDirectory}");
                    return ExitCodes.CheckFailed;
                }

                (scope, what) = (RevocationScopes.Role(roleName), $"every agent of role '{roleName}'");
            }
            else
            {
                (scope, what) = (RevocationScopes.All, "every agent");
            }

            var ledger = await cli.OpenLedgerAsync(ct);
            if (parse.GetValue(agent) is { } named)
            {
                await cli.WarnIfAgentIsElsewhereAsync(ledger, named, ct);
            }

            if (revoke)
            {
                await ledger.RevokeAsync(scope, parse.GetValue(reason), ct);
                cli.Out.WriteLine($"revoked {what} in {cli.LedgerName}: their next call through it is refused");
                return ExitCodes.Success;
            }

            if (!await ledger.ReinstateAsync(scope, ct))
            {
                cli.Error.WriteLine($"reinstate: {what} was not revoked in {cli.LedgerName}");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"reinstated {what} in {cli.LedgerName}");
            return ExitCodes.Success;
        });
        return command;
    }
}
