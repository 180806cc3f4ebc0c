using System.CommandLine;
using Keybrake.Mcp.Hosting;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.OperatorConsole;
using Microsoft.Extensions.Hosting;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp console</c>: the operators' web console (agents, budgets, approvals, audit) over the shared ledger.</summary>
public static class ConsoleCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {ConsoleSettings.DefaultUrls}; loopback unless told otherwise)." };
        var origins = new Option<string[]>("--allowed-origins") { Description = "Browser origins allowed besides loopback ones (a proxy's public origin).", AllowMultipleArgumentsPerToken = true };
        var hosts = new Option<string[]>("--allowed-hosts") { Description = "On a non-loopback address: Host header values to accept.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("console",
            "The operators' web console: agents (revoke, reinstate, the kill switch), live budgets, pending approvals (approve, deny) and the audit log. " +
            $"Operators sign in with a token from 'keybrake-mcp operator token issue NAME'. Also at /console of 'serve --http --console'.") { urls, origins, hosts };
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                cli.Error.WriteLine("console: refusing to start with invalid manifests (run 'keybrake-mcp validate')");
                return ExitCodes.CheckFailed;
            }

            var settings = new ConsoleSettings(parse.GetValue(urls) ?? ConsoleSettings.DefaultUrls, parse.GetValue(origins) ?? [], parse.GetValue(hosts) ?? []);
            var loopback = SlimWebHost.IsLoopbackOnly(settings.Urls);
            if (!loopback && settings.AllowedHosts.Count == 0)
            {
                cli.Error.WriteLine($"console: {settings.Urls} is not a loopback address; name the Host values browsers will use with --allowed-hosts (DNS-rebinding protection)");
                return ExitCodes.BadUsage;
            }

            using (var database = await cli.OpenDatabaseAsync(ct))
            {
                if ((await new OperatorCredentials(database, TimeProvider.System).ListTokensAsync(ct)).All(t => t.Revoked is not null))
                {
                    cli.Error.WriteLine("console: no operator can sign in yet: issue a token with 'keybrake-mcp operator token issue NAME'");
                }
            }

            var effective = settings with { AllowedHosts = loopback ? [.. SlimWebHost.LoopbackHosts, .. settings.AllowedHosts] : settings.AllowedHosts };
            await using var app = ConsoleHost.Build(manifests, cli.ManifestsDirectory, cli.Ledger, effective, logging => ServeCommand.ConfigureLogging(logging, cli));
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || ex.InnerException is System.Net.Sockets.SocketException)
            {
                cli.Error.WriteLine($"console: {settings.Urls} is already in use by another process; stop it or choose another address with --urls");
                return ExitCodes.CheckFailed;
            }

            cli.Error.WriteLine($"keybrake-mcp: console at {string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + ConsoleSettings.PathBase + "/"))}; ledger {cli.LedgerName}");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
