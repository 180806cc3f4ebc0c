using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Ledger;
using static Keybrake.Mcp.OperatorConsole.Html;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>Calls held for a human: everything needed to decide (agent, tool, amount, the Stripe object and its customer, the ticket, expiry), and the decision.</summary>
public sealed class ApprovalsPage(IApprovalStore approvals, TimeProvider time)
{
    /// <summary>Seconds between the page's refreshes of itself (a new request appears without a reload).</summary>
    public const int RefreshSeconds = 5;

    private const int RecentDecisions = 20;

    public async Task<string> RenderAsync(ConsoleSession.Operator who, CancellationToken ct)
    {
        var pending = (await approvals.ListAsync(all: false, ct)).Where(a => a.Status == ApprovalStatus.Pending).ToList();
        var html = new StringBuilder($"<h1>Approvals <span class=\"muted\">({pending.Count} pending)</span></h1>");
        if (pending.Count == 0)
        {
            html.Append("<p class=\"muted\" id=\"no-pending\">Nothing is waiting for a decision.</p>");
        }

        var now = time.GetUtcNow();
        foreach (var a in pending)
        {
            var arguments = ParseArguments(a.Arguments);
            html.Append($"<section class=\"card approval\" data-approval=\"{E(a.Id)}\"><b>{E(a.Agent)}</b> asks to <b>{E(a.Tool)}</b> ")
                .Append($"<b class=\"amount\">{E(a.Amount.ToString())}</b><dl>")
                .Append($"<dt>Approval</dt><dd class=\"mono\">{E(a.Id)}</dd>")
                .Append($"<dt>Role</dt><dd>{E(a.Role)}</dd>")
                .Append($"<dt>Stripe object</dt><dd class=\"mono\">{E(a.Subject.Object ?? "–")}</dd>")
                .Append($"<dt>Customer</dt><dd class=\"mono\">{E(a.Subject.Customer ?? "–")}</dd>")
                .Append($"<dt>Ticket</dt><dd>{E(Text(arguments, "ticket") ?? "–")}</dd>");
            if (Text(arguments, "reason") is { } reason)
            {
                html.Append($"<dt>Reason given</dt><dd>{E(reason)}</dd>");
            }

            html.Append($"<dt>Asked</dt><dd>{Time(a.Created)}</dd>")
                .Append($"<dt>Expires</dt><dd>{Time(a.Expires)} <span class=\"muted\">(in {Remaining(a.Expires - now)}; the money stays held until then)</span></dd></dl>")
                .Append($"<details><summary>Arguments</summary><pre class=\"mono\">{E(arguments?.ToJsonString(Indented) ?? a.Arguments)}</pre></details>")
                .Append($"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/approvals/approve\">{Csrf(who.CsrfToken)}")
                .Append($"<input type=\"hidden\" name=\"id\" value=\"{E(a.Id)}\"><button type=\"submit\" class=\"primary\">Approve</button></form> ")
                .Append($"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/approvals/deny\">{Csrf(who.CsrfToken)}")
                .Append($"<input type=\"hidden\" name=\"id\" value=\"{E(a.Id)}\"><input type=\"text\" name=\"reason\" placeholder=\"reason (shown to the agent)\" maxlength=\"200\">")
                .Append("<button type=\"submit\" class=\"danger\">Deny</button></form></section>");
        }

        // The page refreshes itself every few seconds: read the newest few, not every approval ever made.
        var decided = (await approvals.ListLatestAsync(RecentDecisions + pending.Count, ct))
            .Where(a => a.Status != ApprovalStatus.Pending).OrderByDescending(a => a.Decided ?? a.Created).Take(RecentDecisions).ToList();
        if (decided.Count > 0)
        {
            html.Append("<h2>Recent</h2><table id=\"recent-approvals\"><thead><tr><th>Approval</th><th>Agent</th><th>Tool</th><th>Amount</th><th>Status</th>")
                .Append("<th>By</th><th>When</th></tr></thead><tbody>");
            foreach (var a in decided)
            {
                html.Append($"<tr data-approval=\"{E(a.Id)}\"><td class=\"mono\">{E(a.Id)}</td><td>{E(a.Agent)}</td><td>{E(a.Tool)}</td>")
                    .Append($"<td class=\"num\">{E(a.Amount.ToString())}</td><td class=\"status\">{E(a.Status)}{(a.Reason is { Length: > 0 } r ? $": {E(r)}" : "")}</td>")
                    .Append($"<td>{E(a.DecidedBy ?? "–")}</td><td>{Time(a.Decided ?? a.Created)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        return html.ToString();
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static JsonObject? ParseArguments(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject? arguments, string name) =>
        arguments?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Remaining(TimeSpan left) =>
        left <= TimeSpan.Zero ? "moments" : left.TotalMinutes >= 1 ? $"{(int)left.TotalMinutes} min" : $"{Math.Max(1, (int)left.TotalSeconds)} s";
}
