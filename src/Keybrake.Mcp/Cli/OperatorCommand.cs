using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Cli;

/// <summary><c>keybrake-mcp operator token issue|list|revoke</c>: the credentials operators sign in to the console with.</summary>
public static partial class OperatorCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var name = new Argument<string>("NAME") { Description = "The operator, as the console's audit names them (letters, digits, . _ - @; up to 64)." };
        var issue = new Command("issue", "Print a new operator token for NAME, once; only its hash is stored. Agents' tokens cannot sign in, nor this one call tools.") { name };
        issue.Validators.Add(result =>
        {
            if (result.GetValue(name) is { } given && !OperatorName().IsMatch(given))
            {
                result.AddError($"operator token issue: '{given}' is not an operator name (letters, digits, '.', '_', '-', '@'; 1 to 64)");
            }
        });
        issue.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var who = parse.GetValue(name)!;
            var (token, info) = await (await CredentialsAsync(cli, ct)).IssueTokenAsync(who, ct);
            cli.Out.WriteLine(token);
            cli.Error.WriteLine($"operator token {info.Id} for '{who}' in {cli.LedgerName}: shown once, stored only as a hash. Sign in to 'keybrake-mcp console' " +
                                $"with it; revoke it (and its sessions) with 'keybrake-mcp operator token revoke {info.Id}{(cli.Sandbox ? " --sandbox" : "")}'.");
            return ExitCodes.Success;
        });

        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var list = new Command("list", "List operator tokens: id, operator, created, last used, revoked.") { json };
        list.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var tokens = await (await CredentialsAsync(cli, ct)).ListTokensAsync(ct);
            if (parse.GetValue(json))
            {
                foreach (var t in tokens)
                {
                    cli.Out.WriteLine(new JsonObject
                    {
                        ["id"] = t.Id, ["operator"] = t.Operator, ["created"] = Time(t.Created), ["last_used"] = Time(t.LastUsed), ["revoked"] = Time(t.Revoked),
                    }.ToJsonString());
                }

                return ExitCodes.Success;
            }

            TextTable.Write(cli.Out, ["ID", "OPERATOR", "CREATED", "LAST USED", "REVOKED"],
                tokens.Select(t => (IReadOnlyList<string>)[t.Id, t.Operator, Time(t.Created)!, Time(t.LastUsed) ?? "never", Time(t.Revoked) ?? ""]));
            return ExitCodes.Success;
        });

        var id = new Argument<string>("TOKEN_ID") { Description = "The token's id from 'operator token list'." };
        var revoke = new Command("revoke", "Revoke one operator token and end the console sessions it started.") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            var cli = context(parse);
            var tokenId = parse.GetValue(id)!;
            if (!await (await CredentialsAsync(cli, ct)).RevokeAsync(tokenId, ct))
            {
                cli.Error.WriteLine($"operator token revoke: no live operator token has id '{tokenId}'");
                return ExitCodes.CheckFailed;
            }

            cli.Out.WriteLine($"revoked operator token {tokenId} and its console sessions");
            return ExitCodes.Success;
        });

        var token = new Command("token", "Operator tokens for the web console.") { issue, list, revoke };
        return new Command("operator", "Operators of the web console.") { token };
    }

    private static async Task<OperatorCredentials> CredentialsAsync(CliContext cli, CancellationToken ct) =>
        new(await cli.OpenDatabaseAsync(ct), TimeProvider.System);

    private static string? Time(DateTimeOffset? time) => time is { } t ? CliTime.Iso(t) : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex OperatorName();
}
