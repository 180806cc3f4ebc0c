using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp validate</c>: checks every manifest and prints every error with file and JSON path.</summary>
public static class ValidateCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per line: each error (file, path, message), or each valid role." };
        var command = new Command("validate", "Check every manifest; print each error with file and JSON path; exit 1 on any.") { json };
        command.SetAction(parse =>
        {
            var cli = context(parse);
            if (!parse.GetValue(json))
            {
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
            }

            var result = ManifestLoader.LoadDirectory(cli.ManifestsDirectory);
            foreach (var error in result.Errors)
            {
                cli.Out.WriteLine(new JsonObject { ["file"] = error.File, ["path"] = error.JsonPath, ["message"] = error.Message }.ToJsonString());
            }

            foreach (var role in (result.Set?.Roles.Values ?? []).OrderBy(r => r.Role, StringComparer.Ordinal))
            {
                cli.Out.WriteLine(new JsonObject
                {
                    ["role"] = role.Role, ["file"] = role.SourceFile, ["agents"] = new JsonArray([.. role.Agents.Select(a => (JsonNode)a)]),
                    ["tools"] = new JsonArray([.. role.Tools.Keys.Order(StringComparer.Ordinal).Select(t => (JsonNode)t)]), ["ok"] = true,
                }.ToJsonString());
            }

            return result.Set is null ? ExitCodes.CheckFailed : ExitCodes.Success;
        });
        return command;
    }
}
