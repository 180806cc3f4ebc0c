using System.CommandLine;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Cli;

/// <summary>
/// <c>keybrake-mcp init ROLE_KIND</c>: writes a starter manifest for one of the seed's five roles, checks it with the real
/// loader against the manifests already there, and prints the restricted key it needs.
/// </summary>
public static class InitCommand
{
    /// <param name="terminal">Where to ask for missing answers; null when stdin is not a terminal (then defaults apply).</param>
    public static Command Create(Func<ParseResult, CliContext> context, TextReader? terminal)
    {
        var kind = new Argument<string>("ROLE_KIND") { Description = $"One of: {string.Join(", ", ManifestTemplates.Kinds)}.", HelpName = "ROLE_KIND" };
        kind.AcceptOnlyFromAmong([.. ManifestTemplates.Kinds]);
        var agent = new Option<string?>("--agent") { Description = "The agent that acts in the role (default: the template's, e.g. refund-bot)." };
        var role = new Option<string?>("--role") { Description = "The role's name and file name (default: ROLE_KIND)." };
        var mode = new Option<string?>("--mode") { Description = "Stripe mode the role's key must be in: test (default) or live." };
        mode.AcceptOnlyFromAmong("test", "live");
        var force = new Option<bool>("--force") { Description = "Overwrite the role's manifest if it exists." };
        var command = new Command("init", "Write a starter manifest for one of the five seed roles into the manifests folder.") { kind, agent, role, mode, force };
        command.SetAction(parse =>
        {
            var cli = context(parse);
            var template = parse.GetValue(kind)!;
            var roleName = parse.GetValue(role) ?? Ask(cli, terminal, "Role name", template);
            var agentName = parse.GetValue(agent) ?? Ask(cli, terminal, "Agent name", ManifestTemplates.DefaultAgent(template));
            var modeText = parse.GetValue(mode) ?? Ask(cli, terminal, "Stripe mode (test|live)", "test");
            if (!ManifestPatterns.RoleRegex().IsMatch(roleName) || !ManifestPatterns.AgentRegex().IsMatch(agentName) || modeText is not ("test" or "live"))
            {
                cli.Error.WriteLine($"init: role names match {ManifestPatterns.Role}, agent names {ManifestPatterns.Agent}, and the mode is test or live");
                return ExitCodes.BadUsage;
            }

            var path = Path.Combine(cli.ManifestsDirectory, $"{roleName}.json");
            if (File.Exists(path) && !parse.GetValue(force))
            {
                cli.Error.WriteLine($"init: {path} exists; pass --force to overwrite it");
                return ExitCodes.CheckFailed;
            }

            var text = ManifestTemplates.Render(template, roleName, agentName, modeText == "live" ? StripeMode.Live : StripeMode.Test);
            if (Check(cli, path, text) is not { } manifest)
            {
                return ExitCodes.CheckFailed;
            }

            Directory.CreateDirectory(cli.ManifestsDirectory);
            File.WriteAllText(path, text);
            var schema = Path.Combine(cli.ManifestsDirectory, ManifestLoader.SchemaFileName);
            if (!File.Exists(schema))
            {
                File.WriteAllText(schema, ManifestTemplates.Schema);
            }

            cli.Out.WriteLine($"wrote {path} (role {manifest.Role}, agent {agentName}, {modeText} mode); edit its limits, then 'keybrake-mcp validate'.");
            cli.Out.WriteLine($"try it without Stripe: keybrake-mcp serve --sandbox --agent {agentName} --manifests {cli.ManifestsDirectory}");
            cli.Out.WriteLine();
            KeysCommand.WritePlan(cli.Out, manifest);
            return ExitCodes.Success;
        });
        return command;
    }

    // Loaded beside the folder's other manifests (minus the one being replaced), so the cross-role rules apply too
    // (an agent in two roles, two files with one role); nothing is written unless it passes.
    private static RoleManifest? Check(CliContext cli, string path, string text)
    {
        var staging = Path.Combine(Path.GetTempPath(), $"keybrake-init-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var staged = Path.Combine(staging, Path.GetFileName(path));
            File.WriteAllText(staged, text);
            var others = Directory.Exists(cli.ManifestsDirectory)
                ? Directory.EnumerateFiles(cli.ManifestsDirectory, "*.json").Where(f =>
                    !string.Equals(Path.GetFileName(f), ManifestLoader.SchemaFileName, StringComparison.OrdinalIgnoreCase) &&
                    !string.Equals(Path.GetFileName(f), Path.GetFileName(path), StringComparison.Ordinal))
                : [];
            var result = ManifestLoader.LoadFiles([.. others, staged]);
            foreach (var error in result.Errors)
            {
                cli.Error.WriteLine(error.ToString().Replace(staged, path, StringComparison.Ordinal));
            }

            if (result.Set is null)
            {
                cli.Error.WriteLine($"init: not written: the manifest would not validate beside the others in {cli.ManifestsDirectory}");
            }

            return result.Set?.Roles.GetValueOrDefault(Path.GetFileNameWithoutExtension(path));
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static string Ask(CliContext cli, TextReader? terminal, string question, string fallback)
    {
        if (terminal is null)
        {
            return fallback;
        }

        cli.Out.Write($"{question} [{fallback}]: ");
        cli.Out.Flush();
        return terminal.ReadLine()?.Trim() is { Length: > 0 } answer ? answer : fallback;
    }
}
