using System.CommandLine;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Mcp;
using Keybrake.Mcp.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp serve --agent NAME</c>: the MCP server over stdio for one agent. stdout is the protocol; logs go to stderr.</summary>
public static class ServeCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var agent = new Option<string>("--agent") { Description = "The agent this process serves (stdio: one process per agent).", Required = true };
        var command = new Command("serve", "Serve the agent's role's tools over MCP stdio.") { agent };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                cli.Error.WriteLine("serve: refusing to start with invalid manifests (run 'keybrake-mcp validate')");
                return ExitCodes.CheckFailed;
            }

            var name = parse.GetValue(agent)!;
            if (manifests.RoleOf(name) is not { } role)
            {
                cli.Error.WriteLine($"serve: agent '{name}' is not listed in any manifest in {cli.ManifestsDirectory}");
                return ExitCodes.CheckFailed;
            }

            if (StripeKeyCheck.Problem(role, cli.Environment(role.Stripe.KeyEnv)) is { } keyProblem)
            {
                cli.Error.WriteLine($"serve: {keyProblem}");
                return ExitCodes.CheckFailed;
            }

            var ledger = new Ledger.SqliteDatabase(cli.DatabasePath);
            await ledger.InitializeAsync(ct);

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(cli.Environment("KEYBRAKE_LOG_LEVEL") is { } level && Enum.TryParse<LogLevel>(level, true, out var parsed) ? parsed : LogLevel.Information);
            builder.Services.AddKeybrake(manifests, new KeybrakeOptions(cli.DatabasePath, StripeConnection.FromEnvironment(cli.Environment), cli.Environment));
            builder.Services.AddSingleton<ICallerResolver>(new FixedCaller(name));
            builder.Services.AddRoleTools(role);
            builder.Services
                .AddMcpServer(o =>
                {
                    o.ServerInfo = McpServerSetup.ServerInfo;
                    o.ServerInstructions = McpServerSetup.Instructions;
                })
                .WithStdioServerTransport();

            using var host = builder.Build();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("keybrake");
            var registry = host.Services.GetRequiredService<ToolRegistry>();
            var missing = role.Tools.Keys.Where(t => registry.Find(t) is null).Order().ToList();
            if (missing.Count > 0)
            {
                logger.LogWarning("Role {Role} lists tools this build does not implement yet; they are not published: {Tools}", role.Role, string.Join(", ", missing));
            }

            logger.LogInformation("Serving agent {Agent} (role {Role}, {Count} tools) over stdio; ledger {Db}", name, role.Role, role.Tools.Count - missing.Count, cli.DatabasePath);
            // Checked in the background: the client's initialize must not wait for Stripe.
            var probe = Task.Run(async () =>
            {
                foreach (var problem in await new KeyPermissionProbe(host.Services.GetRequiredService<StripeClients>()).FindProblemsAsync(role, ct))
                {
                    logger.LogWarning("{Problem}", problem);
                }
            }, ct);
            await host.RunAsync(ct);
            await probe.ContinueWith(_ => { }, TaskScheduler.Default);
            return ExitCodes.Success;
        });
        return command;
    }
}
