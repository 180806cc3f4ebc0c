using System.CommandLine;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp token issue|list|revoke</c>: bearer tokens for agents that connect over HTTP.</summary>
public static class TokenCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var agent = new Argument<string>("AGENT") { Description = "The agent the token speaks for." };
        var issue = new Command("issue", "Print a new token for AGENT, once; only its hash is stored.") { agent };
        issue.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var manifests = cli.LoadManifests();
            if (manifests is null)
            {
                return ExitCodes.CheckFailed;
            }

            var name = parse.GetValue(agent)!;
            if (manifests.RoleOf(name) is null)
            {
                cli.Error.WriteLine($"token issue: agent '{name}' is not listed in any manifest in {cli.ManifestsDirectory}");
                return ExitCodes.CheckFailed;
            }

            var database = await cli.OpenDatabaseAsync(ct);
            var (token, info) = await new AgentTokens(database, TimeProvider.System).IssueAsync(name, ct);
            cli.Out.WriteLine(token);
            cli.Error.WriteLine($"token {info.Id} for agent '{name}' in {cli.LedgerName}: shown once, stored only as a hash. " +
                                $"It works with servers on this ledger{(cli.Sandbox ? " (serve --sandbox --http)" : "")}. Revoke with 'keybrake-mcp token revoke {info.Id}{(cli.Sandbox ? " --sandbox" : "")}'.");
            return ExitCodes.Success;
        });

        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var list = new Command("list", "List tokens: id, agent, created, last used, revoked.") { json };
        list.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var tokens = await (await TokensAsync(cli, ct)).ListAsync(ct);
            if (parse.GetValue(json))
            {
                foreach (var t in tokens)
                {
                    cli.Out.WriteLine(new JsonObject
                    {
                        ["id"] = t.Id, ["agent"] = t.Agent, ["created"] = Time(t.Created), ["last_used"] = Time(t.LastUsed), ["revoked"] = Time(t.Revoked),
                    }.ToJsonString());
                }

                return ExitCodes.Success;
            }

            TextTable.Write(cli.Out, ["ID", "AGENT", "CREATED", "LAST USED", "REVOKED"],
                tokens.Select(t => (IReadOnlyList<string>)[t.Id, t.Agent, Time(t.Created)!, Time(t.LastUsed) ?? "never", Time(t.Revoked) ?? ""]));
            return ExitCodes.Success;
        });

        var id = new Argument<string>("TOKEN_ID") { Description = "The token's id from 'token list'." };
        var revoke = new Command("revoke", "Revoke one token: its next request gets 401.") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var tokenId = parse.GetValue(id)!;
            if (!await (await TokensAsync(cli, ct)).RevokeAsync(tokenId, ct))
            {
                cli.Error.WriteLine($"token revoke: no live token has id '{tokenId}'");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"revoked token {tokenId}");
            return ExitCodes.Success;
        });

        return new Command("token", "Bearer tokens for agents over HTTP.") { issue, list, revoke };
    }

    private static async Task<AgentTokens> TokensAsync(CliContext cli, CancellationToken ct) =>
        new(await cli.OpenDatabaseAsync(ct), TimeProvider.System);

    private static string? Time(DateTimeOffset? time) => time is { } t ? CliTime.Iso(t) : null;
}
