using System.Diagnostics;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Observability;

/// <summary>
/// Reports how a governed call ended: as attributes of the span it runs in (the MCP SDK's <c>tools/call {tool}</c>) and
/// on the per-call instruments. With telemetry off, one check of listeners and nothing else.
/// </summary>
public static class CallTelemetry
{
    public static void Record(ToolCall call, ToolResponse response)
    {
        var span = Activity.Current is { IsAllDataRequested: true } current && IsToolSpan(current) ? current : null;
        if (span is null && !CallMetrics.Enabled)
        {
            return;
        }

        var ending = call.Ending ?? new CallEnding(response.IsError ? AuditOutcomes.Denied : AuditOutcomes.Allowed, CodeOf(response), null);
        // The ledger's exact checks as the call starts refuse through CallExecution, which is no step of the list.
        var refusedBy = ending.Outcome == AuditOutcomes.Denied ? call.RefusedBy?.Name ?? nameof(CallExecution) : null;
        var role = call.Role?.Role;
        if (span is not null)
        {
            span.SetTag("keybrake.agent", call.Agent);
            span.SetTag("keybrake.role", role);
            span.SetTag("keybrake.outcome", ending.Outcome);
            span.SetTag("keybrake.call_id", call.CallId);
            if (ending.Code is { } code)
            {
                // Not error.type: the SDK sets that to "tool_error" for every isError result, after we return.
                span.SetTag("keybrake.refusal.code", code);
                span.SetTag("keybrake.refusal.step", refusedBy);
            }

            if (ending.Moved is { } moved)
            {
                span.SetTag("keybrake.amount", moved.Minor);
                span.SetTag("keybrake.currency", moved.Currency.Code);
            }
        }

        var outcome = new KeyValuePair<string, object?>("outcome", ending.Outcome);
        var tool = new KeyValuePair<string, object?>("tool", call.ToolName);
        if (CallMetrics.Calls.Enabled)
        {
            CallMetrics.Calls.Add(1, tool, outcome, new KeyValuePair<string, object?>("code", ending.Code ?? ""));
        }

        if (CallMetrics.CallDuration.Enabled)
        {
            CallMetrics.CallDuration.Record(Stopwatch.GetElapsedTime(call.StartedTimestamp).TotalSeconds, tool, outcome);
        }

        if (CallMetrics.MoneyMoved.Enabled && ending.Moved is { Minor: not 0 } money)
        {
            CallMetrics.MoneyMoved.Add(money.Minor, new KeyValuePair<string, object?>("currency", money.Currency.Code),
                new KeyValuePair<string, object?>("role", role ?? ""));
        }
    }

    /// <summary>The span a tool call's handler runs in: the SDK's (a Stripe span of ours has ended by now).</summary>
    private static bool IsToolSpan(Activity activity) => activity.Source.Name == KeybrakeTelemetry.McpSdkName;

    private static string? CodeOf(ToolResponse response) =>
        response.IsError && response.Structured["error"]?["code"] is { } code ? code.GetValue<string>() : null;
}
