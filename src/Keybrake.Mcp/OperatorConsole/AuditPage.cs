using System.Text;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.AspNetCore.Http;
using static Keybrake.Mcp.OperatorConsole.Html;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>The audit log with filters, the hash chain's verification state, and what operators did in the console.</summary>
public sealed class AuditPage(ManifestSource manifests, ILedger ledger, OperatorActions actions, ChainStatus chain, TimeProvider time)
{
    private const int Shown = 200;
    private const int MessageShown = 160;

    private static readonly (string Value, string Label, TimeSpan? Span)[] Periods =
    [
        ("1h", "last hour", TimeSpan.FromHours(1)), ("24h", "last 24 h", TimeSpan.FromDays(1)), ("7d", "last 7 days", TimeSpan.FromDays(7)),
        ("30d", "last 30 days", TimeSpan.FromDays(30)), ("all", "all time", null),
    ];

    private static readonly string[] Outcomes = [AuditOutcomes.Allowed, AuditOutcomes.Denied, AuditOutcomes.Failed, AuditOutcomes.Unknown];

    public async Task<string> RenderAsync(ConsoleSession.Operator who, IQueryCollection query, CancellationToken ct)
    {
        var agent = Pick(query["agent"], manifests.Current.Roles.Values.SelectMany(r => r.Agents));
        var outcome = Pick(query["outcome"], Outcomes);
        var tool = query["tool"].ToString() is { Length: > 0 and <= 64 } t ? t : null;
        var period = Periods.FirstOrDefault(p => p.Value == query["since"].ToString()) is { Value: not null } chosen ? chosen : Periods[1];
        var records = await ledger.ReadAuditAsync(new AuditQuery(agent, period.Span is { } span ? time.GetUtcNow() - span : null, Shown)
        {
            Tool = tool, Outcome = outcome, WithHashes = false, WithPayloads = false,
        }, ct);

        var html = new StringBuilder("<h1>Audit</h1>");
        html.Append(await ChainAsync(who, ct));
        html.Append($"<form method=\"get\" action=\"{ConsoleSettings.PathBase}/audit\" class=\"inline\" id=\"audit-filter\">")
            .Append(Select("agent", "any agent", manifests.Current.Roles.Values.SelectMany(r => r.Agents).Order(StringComparer.Ordinal).Select(a => (a, a)), agent))
            .Append($"<input type=\"text\" name=\"tool\" placeholder=\"tool\" value=\"{E(tool)}\" size=\"18\">")
            .Append(Select("outcome", "any outcome", Outcomes.Select(o => (o, o)), outcome))
            .Append(Select("since", null, Periods.Select(p => (p.Value, p.Label)), period.Value))
            .Append("<button type=\"submit\">Filter</button></form>");
        html.Append($"<p class=\"muted\">{records.Count} record(s){(records.Count == Shown ? $", the latest {Shown}" : "")}, newest first. " +
                    "The whole log: <code>keybrake-mcp audit --json</code>.</p>");
        html.Append("<table id=\"audit\"><thead><tr><th>Time</th><th>Agent</th><th>Tool</th><th>Outcome</th><th>Amount</th><th>Object</th><th>Message</th></tr></thead><tbody>");
        foreach (var r in records.Reverse())
        {
            var message = r.Message is { Length: > MessageShown } long_ ? long_[..MessageShown] + "…" : r.Message;
            html.Append($"<tr data-call=\"{E(r.CallId)}\"><td>{Time(r.Time)}</td><td>{E(r.Agent)}<br><span class=\"muted\">{E(r.Role)}</span></td><td>{E(r.Tool)}</td>")
                .Append($"<td class=\"outcome-{E(r.Outcome)}\">{E(r.Outcome)}{(r.Code is { } code ? $"<br><code>{E(code)}</code>" : "")}</td>")
                .Append($"<td class=\"num\">{(r.Amount is { } minor && r.Currency is { } currency ? Amount(minor, currency) : "")}</td>")
                .Append($"<td class=\"mono\">{E(r.Object)}</td><td>{E(message)}</td></tr>");
        }

        html.Append("</tbody></table><h2>Operator actions</h2><table id=\"operator-actions\"><thead><tr><th>Time</th><th>Operator</th><th>Action</th><th>On</th><th>Details</th></tr></thead><tbody>");
        foreach (var a in await actions.ReadLatestAsync(50, ct))
        {
            html.Append($"<tr><td>{Time(a.Time)}</td><td>{E(a.Operator)}</td><td>{E(a.Action)}</td><td class=\"mono\">{E(a.Target)}</td><td>{E(a.Detail)}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private async Task<string> ChainAsync(ConsoleSession.Operator who, CancellationToken ct)
    {
        var (report, at) = chain.Last ?? await chain.VerifyAsync(ct);
        var state = report.Ok
            ? $"<span class=\"chain-ok\" id=\"chain-state\">chain verified</span>: {report.Records} record(s), {report.Events} event(s), head <code>{E(report.Head[..Math.Min(16, report.Head.Length)])}…</code>"
            : $"<span class=\"chain-broken\" id=\"chain-state\">chain broken</span>: {E(report.Break!.ToString())}";
        return $"<div class=\"card\">{state} <span class=\"muted\">(checked {Time(at)})</span> " +
               $"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/audit/verify\">{Csrf(who.CsrfToken)}<button type=\"submit\">Verify now</button></form></div>";
    }

    private static string? Pick(string? given, IEnumerable<string> allowed) =>
        given is { Length: > 0 } value && allowed.Contains(value, StringComparer.Ordinal) ? value : null;

    private static string Select(string name, string? any, IEnumerable<(string Value, string Label)> options, string? selected)
    {
        var html = new StringBuilder($"<select name=\"{name}\">");
        if (any is not null)
        {
            html.Append($"<option value=\"\">{E(any)}</option>");
        }

        foreach (var (value, label) in options)
        {
            html.Append($"<option value=\"{E(value)}\"{(value == selected ? " selected" : "")}>{E(label)}</option>");
        }

        return html.Append("</select>").ToString();
    }
}
