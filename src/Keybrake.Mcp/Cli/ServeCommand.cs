using System.CommandLine;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Mcp;
using Keybrake.Mcp.Mcp.Http;
using Keybrake.Mcp.Mcp.Stdio;
using Keybrake.Mcp.Observability;
using Keybrake.Mcp.Sandbox;
using Keybrake.Mcp.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using System.Runtime.InteropServices;

namespace Keybrake.Mcp.Cli;

/// <summary>
/// <c>keybrake-mcp serve</c>: over stdio for one agent (<c>--agent</c>; stdout is the protocol, logs go to stderr),
/// or over Streamable HTTP for every agent holding a token (<c>--http</c>).
/// </summary>
public static class ServeCommand
{
    // When a stdio client never asks for tools/list, the start-up checks run anyway after this.
    private static readonly TimeSpan ChecksDelay = TimeSpan.FromSeconds(1);

    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var agent = new Option<string?>("--agent") { Description = "Serve this agent over stdio (one process per agent)." };
        var http = new Option<bool>("--http") { Description = "Serve every agent over Streamable HTTP at /mcp; agents send 'Authorization: Bearer TOKEN'." };
        var urls = new Option<string?>("--urls") { Description = $"With --http: where to listen (default {HttpServerSettings.DefaultUrls}; loopback unless told otherwise)." };
        var origins = new Option<string[]>("--allowed-origins") { Description = "With --http: browser origins allowed besides loopback ones.", AllowMultipleArgumentsPerToken = true };
        var hosts = new Option<string[]>("--allowed-hosts") { Description = "With --http on a non-loopback address: Host header values to accept.", AllowMultipleArgumentsPerToken = true };
        var issuer = new Option<string?>("--auth-issuer")
        {
            Description = "With --http: also accept JWT access tokens of this OAuth issuer (its discovery document names its keys), beside kbk_ tokens.",
        };
        var agentClaim = new Option<string?>("--auth-agent-claim") { Description = $"With --auth-issuer: the token claim that names the agent (default {OAuthSettings.DefaultAgentClaim})." };
        var console = new Option<bool>("--console") { Description = "With --http: the operators' web console at /console on the same port (see 'keybrake-mcp console')." };
        var publicUrl = new Option<string?>("--public-url") { Description = "With --auth-issuer: this server's canonical /mcp URL, the audience tokens must carry (default: --urls + /mcp)." };
        var auditKey = new Option<string?>("--audit-key")
        {
            Description = "Sign a checkpoint of the audit chain's head with this private key (from 'audit keygen') at start, every " +
                          "KEYBRAKE_AUDIT_CHECKPOINT_SECONDS (default 300) when it moved, and at exit; sent to KEYBRAKE_AUDIT_ANCHORS (default stderr). Env KEYBRAKE_AUDIT_KEY.",
        };
        var command = new Command("serve",
            "Serve the governed tools over MCP (stdio for one agent, or HTTP for many). With --sandbox: an embedded, simulated Stripe account " +
            "(no key needed, its own ledger, results marked \"sandbox\": true).") { agent, http, urls, origins, hosts, issuer, agentClaim, publicUrl, console, auditKey };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(agent) is null) == !result.GetValue(http))
            {
                result.AddError("serve: give either --agent NAME (stdio) or --http");
            }

            if (result.GetValue(console) && !result.GetValue(http))
            {
                result.AddError("serve: --console goes with --http (or run 'keybrake-mcp console' beside a stdio server)");
            }

            if (result.GetValue(issuer) is { } given && OAuthError(given, "--auth-issuer") is { } badIssuer)
            {
                result.AddError(badIssuer);
            }

            if (result.GetValue(publicUrl) is { } url && OAuthError(url, "--public-url") is { } badUrl)
            {
                result.AddError(badUrl);
            }

            if (result.GetValue(issuer) is null && (result.GetValue(agentClaim) is not null || result.GetValue(publicUrl) is not null))
            {
                result.AddError("serve: --auth-agent-claim and --public-url go with --auth-issuer");
            }

            if (result.GetValue(issuer) is not null)
            {
                if (!result.GetValue(http))
                {
                    result.AddError("serve: --auth-issuer goes with --http (over stdio the process serves one agent and takes no tokens)");
                }
                else if (result.GetValue(publicUrl) is null && OAuthError(DefaultResource(result.GetValue(urls)), "--urls") is { } badResource)
                {
                    result.AddError($"{badResource}; give this server's public /mcp URL with --public-url");
                }
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            TelemetrySettings telemetry;
            try
            {
                telemetry = TelemetrySettings.FromEnvironment(cli.Environment);
            }
            catch (SettingsException ex)
            {
                foreach (var problem in ex.Problems)
                {
                    cli.Error.WriteLine($"serve: {problem}");
                }

                return ExitCodes.BadUsage;
            }

            var signing = LoadAuditKey(cli, parse.GetValue(auditKey));
            if (signing is { Problem: { } keyProblem })
            {
                cli.Error.WriteLine($"serve: {keyProblem}");
                return ExitCodes.BadUsage;
            }

            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                cli.Error.WriteLine("serve: refusing to start with invalid manifests (run 'keybrake-mcp validate')");
                return ExitCodes.CheckFailed;
            }

            // An agent that is in no manifest is refused before anything starts (the sandbox banner included).
            if (parse.GetValue(agent) is { } named && manifests.RoleOf(named) is null)
            {
                cli.Error.WriteLine($"serve: agent '{named}' is not listed in any manifest in {cli.ManifestsDirectory}");
                return ExitCodes.CheckFailed;
            }

            if (cli.Sandbox && cli.Ledger is Ledger.LedgerLocation.PostgresUrl)
            {
                // The simulated account lives in a file beside the sandbox's ledger, on this machine.
                cli.Error.WriteLine("serve: --sandbox keeps its ledger and its simulated Stripe account on this machine; give it a SQLite --db, or none");
                return ExitCodes.BadUsage;
            }

            await using var simulated = cli.Sandbox ? await SandboxHost.StartAsync(cli, manifests, ct) : null;
            cli = simulated?.Cli ?? cli;
            // Migrations before serving; the server's own database (one writer per process) comes from its services.
            (await Ledger.LedgerDatabases.OpenMigratedAsync(cli.Ledger, null, ct)).Dispose();

            var options = new KeybrakeOptions(cli.Ledger, StripeConnection.FromEnvironment(cli.Environment), cli.Environment)
            {
                ManifestsDirectory = cli.ManifestsDirectory,
                Sandbox = simulated is not null,
                Telemetry = telemetry,
                AuditKey = signing?.Key,
            };
            return parse.GetValue(agent) is { } name
                ? await ServeStdioAsync(cli, manifests, options, name, ct)
                : await ServeHttpAsync(cli, manifests, options, new HttpServerSettings(
                    parse.GetValue(urls) ?? HttpServerSettings.DefaultUrls, parse.GetValue(origins) ?? [], parse.GetValue(hosts) ?? [])
                {
                    Console = parse.GetValue(console),
                    OAuth = parse.GetValue(issuer) is { } by
                        ? new OAuthSettings(new Uri(by), parse.GetValue(agentClaim) ?? OAuthSettings.DefaultAgentClaim,
                            new Uri(parse.GetValue(publicUrl) ?? DefaultResource(parse.GetValue(urls))))
                        : null,
                }, ct);
        });
        return command;
    }

    private static async Task<int> ServeStdioAsync(CliContext cli, ManifestSet manifests, KeybrakeOptions options, string name, CancellationToken ct)
    {
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

        // No generic host over stdio: one client, one session, nothing to configure from files. The host's
        // configuration, lifetime and hosted-service machinery cost start-up time an MCP client waits through: with
        // Host.CreateEmptyApplicationBuilder the native build answered its first tools/list 2-4 ms later (of ~58 ms,
        // medians of 20 in one binary, 2026-12-05), so the hosted services are started and stopped here instead.
        var services = new ServiceCollection();
        services.AddLogging(logging => ConfigureLogging(logging, cli));
        services.AddKeybrake(manifests, options);
        services.AddSingleton<ICallerResolver>(new FixedCaller(name));
        services.AddRoleTools(role);
        services.AddMcpServer(o =>
        {
            o.ServerInfo = McpServerSetup.ServerInfo;
            o.ServerInstructions = McpServerSetup.Instructions;
            ProtocolGuard.Apply(o);
        });

        if (options.Telemetry.MetricsEndpoint is not null)
        {
            services.AddSingleton<IHostedService, LedgerGauges>();
        }

        await using var provider = services.BuildServiceProvider();
        // Built before the server runs and disposed once it has ended: what is still batched is flushed on exit.
        using var telemetry = StdioTelemetry.Start(options.Telemetry);
        var loggerFactory = provider.GetRequiredService<ILoggerFactory>();
        var logger = loggerFactory.CreateLogger("keybrake");
        var serverOptions = provider.GetRequiredService<IOptions<McpServerOptions>>().Value;
        if (serverOptions.ToolCollection is { } tools)
        {
            provider.GetRequiredService<LiveToolSets>().Register(name, tools);
        }

        WarnAboutMissingTools(logger, role, provider.GetRequiredService<ToolRegistry>());
        logger.LogInformation("Serving agent {Agent} (role {Role}) over stdio; ledger {Db}", name, role.Role, cli.LedgerName);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        var background = provider.GetServices<IHostedService>().ToList();
        foreach (var service in background)
        {
            await service.StartAsync(stop.Token);
        }

        // The start-up checks only log, and a client waits for its first tools/list: let that go first.
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        serverOptions.Filters.Request.ListToolsFilters.Add(next => async (request, token) =>
        {
            var result = await next(request, token);
            listed.TrySetResult();
            return result;
        });
        var probe = StartupChecksAsync(provider, logger, [role], Task.WhenAny(listed.Task, Task.Delay(ChecksDelay, stop.Token)), stop.Token);
        // The SDK's stdio transport, with a size limit per message in front of stdin.
        var transport = new StreamServerTransport(
            new MessageSizeLimit(Console.OpenStandardInput()), new BufferedStream(Console.OpenStandardOutput()), McpServerSetup.ServerInfo.Name, loggerFactory);
        await using (var server = McpServer.Create(transport, serverOptions, loggerFactory, provider))
        {
            try
            {
                await server.RunAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        await stop.CancelAsync();
        for (var i = background.Count - 1; i >= 0; i--)
        {
            await background[i].StopAsync(CancellationToken.None);
        }

        await probe;
        return ExitCodes.Success;
    }

    private static async Task<int> ServeHttpAsync(CliContext cli, ManifestSet manifests, KeybrakeOptions options, HttpServerSettings settings, CancellationToken ct)
    {
        var loopback = settings.IsLoopbackOnly;
        if (!loopback && settings.AllowedHosts.Count == 0)
        {
            cli.Error.WriteLine($"serve: {settings.Urls} is not a loopback address; name the Host values clients will use with --allowed-hosts (DNS-rebinding protection)");
            return ExitCodes.BadUsage;
        }

        var effective = settings with { AllowedHosts = loopback ? [.. KeybrakeHttpServer.LoopbackHosts, .. settings.AllowedHosts] : settings.AllowedHosts };
        await using var app = KeybrakeHttpServer.Build(manifests, options, effective, logging => ConfigureLogging(logging, cli));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("keybrake");
        var registry = app.Services.GetRequiredService<ToolRegistry>();
        var served = new List<RoleManifest>();
        foreach (var role in manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal))
        {
            WarnAboutMissingTools(logger, role, registry);
            if (StripeKeyCheck.Problem(role, cli.Environment(role.Stripe.KeyEnv)) is { } problem)
            {
                logger.LogWarning("{Problem}; calls of this role's agents are refused with 'unavailable'", problem);
            }
            else
            {
                served.Add(role);
            }
        }

        if (served.Count == 0)
        {
            // Like stdio, which refuses an agent whose key is unusable: a server that could answer nothing but 'unavailable' is an error.
            cli.Error.WriteLine("serve: no role can be served: every role's key is missing or unusable (see above); set the keys, or try --sandbox");
            return ExitCodes.CheckFailed;
        }

        if (!loopback)
        {
            logger.LogWarning("Listening on {Urls}, which is reachable from other machines; only bearer tokens stand between them and the tools", settings.Urls);
        }

        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            cli.Error.WriteLine($"serve: {settings.Urls} is already in use by another process; stop it or choose another address with --urls");
            return ExitCodes.CheckFailed;
        }

        // One line on stderr, whatever the log level: where the server listens and which ledger it writes.
        cli.Error.WriteLine($"keybrake-mcp: serving {served.Count} role(s) ({string.Join(", ", served.Select(r => r.Role))}) over Streamable HTTP at " +
                            $"{string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + "/mcp"))}; ledger {cli.LedgerName}" +
                            (settings.OAuth is { } oauth
                                ? $"; kbk_ tokens and OAuth access tokens of {oauth.IssuerName} for {oauth.Resource} (agent claim '{oauth.AgentClaim}')"
                                : "") +
                            (settings.Console ? $"; operators' console at {string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + OperatorConsole.ConsoleSettings.PathBase + "/"))}" : ""));
        var probe = StartupChecksAsync(app.Services, logger, served, Task.CompletedTask, ct);
        await app.WaitForShutdownAsync(ct);
        await probe;
        return ExitCodes.Success;
    }

    /// <summary>The audit key <c>--audit-key</c> or <c>KEYBRAKE_AUDIT_KEY</c> names, if any, or why it cannot be used.</summary>
    private static (Ledger.Checkpoints.AuditSigningKey? Key, string? Problem)? LoadAuditKey(CliContext cli, string? option)
    {
        var (path, source) = option is not null ? (option, "--audit-key") : (ServerSettings.FromEnvironment(cli.Environment).AuditKey, "KEYBRAKE_AUDIT_KEY");
        if (path is null)
        {
            return null;
        }

        try
        {
            var key = Ledger.Checkpoints.AuditSigningKey.Load(path);
            if (Ledger.Checkpoints.AuditKeyFiles.IsReadableByOthers(path))
            {
                cli.Error.WriteLine($"serve: warning: {source}: {path} can be read by other users; 'chmod 600 {path}'");
            }

            return (key, null);
        }
        catch (Ledger.Checkpoints.AuditKeyException ex)
        {
            return (null, $"{source}: {ex.Message}");
        }
    }

    /// <summary>The resource a server is without <c>--public-url</c>: its first <c>--urls</c> entry, + <c>/mcp</c>.</summary>
    private static string DefaultResource(string? urls) => $"{(urls ?? HttpServerSettings.DefaultUrls).Split(';')[0].TrimEnd('/')}/mcp";

    /// <summary>What is wrong with an issuer or public URL: only absolute http(s) URLs, and plain http only on this machine.</summary>
    private static string? OAuthError(string value, string option) =>
        !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            ? $"{option}: '{value}' is not an absolute http(s) URL"
            // A listening wildcard is no address a client asks a token for.
            : uri.Host is "0.0.0.0" or "[::]" or "::"
                ? $"{option}: {value} names no host clients reach"
            : uri.Scheme == "http" && !uri.IsLoopback
                ? $"{option}: {value} must use https (plain http only on this machine)"
                : null;

    internal static void ConfigureLogging(ILoggingBuilder logging, CliContext cli)
    {
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Warnings and errors only by default: nothing per call (the audit log is the record), so a client that pipes
        // stderr and never reads it cannot block the server once the pipe fills.
        logging.SetMinimumLevel(cli.LogLevel);
        // Request logs of the web stack would repeat every call; the audit log is the record.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // An in-memory key ring (SlimWebHost) is unencrypted by design; its start-up warning says nothing an operator can act on.
        logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        // A host that fails to start (a port in use) is reported by serve in one line; the host's own log is a stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    }

    private static void WarnAboutMissingTools(ILogger logger, RoleManifest role, ToolRegistry registry)
    {
        var missing = role.Tools.Keys.Where(t => registry.Find(t) is null).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            logger.LogWarning("Role {Role} lists tools this build does not implement; they are not published: {Tools}", role.Role, string.Join(", ", missing));
        }
    }

    // In the background: a client's initialize must not wait for Stripe. Checks the keys, then settles calls a
    // previous run left unknown (a crash between Stripe's answer and the ledger's completion).
    private static Task StartupChecksAsync(IServiceProvider services, ILogger logger, IReadOnlyList<RoleManifest> roles, Task startWhen, CancellationToken ct) =>
        Task.Run(async () =>
        {
            await startWhen;
            ct.ThrowIfCancellationRequested();
            var probe = new KeyPermissionProbe(services.GetRequiredService<StripeClients>());
            foreach (var role in roles)
            {
                foreach (var problem in await probe.FindProblemsAsync(role, ct))
                {
                    logger.LogWarning("{Problem}", problem);
                }
            }

            var reports = await services.GetRequiredService<Reconciler>().ReconcileAllAsync([.. roles.Select(r => r.Role)], null, ct);
            if (reports.Count > 0)
            {
                logger.LogInformation("Reconciled {Count} call(s) left unknown by an earlier run", reports.Count(r => r.Result != "unknown"));
            }
        }, ct).ContinueWith(t => { if (t.Exception is { } ex) { logger.LogError(ex.InnerException, "Start-up checks failed"); } }, TaskScheduler.Default);
}
