using System.Text;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using static Keybrake.Mcp.OperatorConsole.Html;

namespace Keybrake.Mcp.OperatorConsole;

/// <summary>Every agent of every manifest: role, active or revoked, last call, the last 24 h of money; revoke, reinstate, and the kill switch.</summary>
public sealed class AgentsPage(ManifestSource manifests, ILedger ledger, TimeProvider time)
{
    /// <summary>What the operator types to confirm the kill switch.</summary>
    public const string KillSwitchConfirmation = "STOP";

    public async Task<string> RenderAsync(ConsoleSession.Operator who, CancellationToken ct)
    {
        var set = manifests.Current;
        var activity = (await ledger.ReadAgentActivityAsync(time.GetUtcNow().AddDays(-1), ct)).ToDictionary(a => a.Agent);
        var html = new StringBuilder("<h1>Agents</h1>");
        // No agent or role has an empty name, so only a revocation of everyone covers this identity.
        var all = await ledger.FindRevocationAsync(new CallIdentity("", ""), ct) is { Scope: RevocationScopes.All } everyone ? everyone : null;
        if (all is not null)
        {
            html.Append($"<div class=\"card danger-zone\" id=\"kill-switch-on\"><b class=\"status-revoked\">Kill switch on:</b> every agent's calls are refused since {Time(all.RevokedAt)}")
                .Append(all.Reason is { Length: > 0 } r ? $" ({E(r)})" : "")
                .Append($". <form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/agents/reinstate\">{Csrf(who.CsrfToken)}")
                .Append($"<input type=\"hidden\" name=\"scope\" value=\"{RevocationScopes.All}\"><button type=\"submit\">Lift the kill switch</button></form></div>");
        }

        html.Append("<table id=\"agents\"><thead><tr><th>Agent</th><th>Role</th><th>Status</th><th>Last call</th><th>Last 24 h</th><th>Action</th></tr></thead><tbody>");
        foreach (var role in set.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal))
        {
            foreach (var agent in role.Agents.Order(StringComparer.Ordinal))
            {
                var revoked = await ledger.FindRevocationAsync(new CallIdentity(agent, role.Role), ct);
                var seen = activity.GetValueOrDefault(agent);
                html.Append($"<tr data-agent=\"{E(agent)}\"><td><b>{E(agent)}</b></td><td>{E(role.Role)}</td>")
                    .Append(revoked is null
                        ? "<td class=\"status-active\">active</td>"
                        : $"<td class=\"status-revoked\">revoked <span class=\"muted\">({E(revoked.Scope)}{(revoked.Reason is { Length: > 0 } why ? ": " + E(why) : "")})</span></td>")
                    .Append($"<td>{Time(seen?.LastCall)}</td><td class=\"num\">")
                    .Append(seen is { SpendByCurrency.Count: > 0 } s ? string.Join("<br>", s.SpendByCurrency.Select(p => Amount(p.Value, p.Key))) : "–")
                    .Append("</td><td>").Append(Action(who, agent, role.Role, revoked)).Append("</td></tr>");
            }
        }

        html.Append("</tbody></table>");
        if (all is null)
        {
            html.Append("<div class=\"card danger-zone\" id=\"kill-switch\"><h2>Kill switch</h2>")
                .Append("<p>Refuses the next call of <b>every agent</b>, in every server on this ledger, until lifted here or with <code>keybrake-mcp reinstate --all</code>.</p>")
                .Append($"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/kill-switch\">{Csrf(who.CsrfToken)}")
                .Append("<input type=\"text\" name=\"reason\" placeholder=\"reason (shown to agents)\" maxlength=\"200\">")
                .Append($"<label>type <b>{KillSwitchConfirmation}</b> to confirm <input type=\"text\" name=\"confirm\" size=\"6\" autocomplete=\"off\" required></label>")
                .Append("<button type=\"submit\" class=\"danger\">Stop every agent</button></form></div>");
        }

        return html.ToString();
    }

    private static string Action(ConsoleSession.Operator who, string agent, string role, Revocation? revoked)
    {
        if (revoked is null)
        {
            return $"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/agents/revoke\">{Csrf(who.CsrfToken)}" +
                   $"<input type=\"hidden\" name=\"agent\" value=\"{E(agent)}\"><input type=\"text\" name=\"reason\" placeholder=\"reason\" maxlength=\"200\">" +
                   "<button type=\"submit\" class=\"danger\">Revoke</button></form>";
        }

        // Reinstating the agent would not lift a role's or everyone's revocation: offer what does.
        var (scope, label) = revoked.Scope == RevocationScopes.All ? (revoked.Scope, "Lift the kill switch")
            : revoked.Scope == RevocationScopes.Role(role) ? (revoked.Scope, $"Reinstate role {role}")
            : (revoked.Scope, "Reinstate");
        return $"<form class=\"inline\" method=\"post\" action=\"{ConsoleSettings.PathBase}/agents/reinstate\">{Csrf(who.CsrfToken)}" +
               $"<input type=\"hidden\" name=\"scope\" value=\"{E(scope)}\"><button type=\"submit\">{E(label)}</button></form>";
    }
}
