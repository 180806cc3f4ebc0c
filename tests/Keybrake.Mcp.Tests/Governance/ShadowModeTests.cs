using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance;

/// <summary>Shadow rules let calls pass and record what they would have refused, as shadow_denied.</summary>
public sealed class ShadowModeTests
{
    private static JsonObject Refund(long amount, string id) => new() { ["payment_intent"] = "pi_1", ["amount"] = amount, ["request_id"] = id };

    [Fact]
    public async Task A_shadow_budget_records_the_overrun_and_lets_the_call_pass()
    {
        var role = Roles.Refunds() with
        {
            Budgets = [new Budget(LimitScope.Agent, RollingWindow.Day, MoneyAmount.Parse("150.00 USD"), Shadow: true),
                       new Budget(LimitScope.Role, RollingWindow.Day, MoneyAmount.Parse("2000.00 USD"))],
        };
        using var f = new PipelineFixture(role);
        Assert.False((await f.CallAsync("refund-bot", Refund(10000, "a"))).IsError);
        Assert.False((await f.CallAsync("refund-bot", Refund(10000, "b"))).IsError);
        Assert.Equal(2, f.Operation.Executions);

        var shadow = Assert.Single(await f.AuditAsync(), r => r.Code == "shadow_denied");
        Assert.Equal("allowed", shadow.Outcome);
        Assert.Contains("would exceed the agent's day budget: 100.00 of 150.00 USD used", shadow.Message);
    }

    [Fact]
    public async Task A_shadow_rate_limit_records_and_does_not_refuse()
    {
        using var f = new PipelineFixture(Roles.Refunds(rateLimits: [new RateLimit(LimitScope.Agent, 2, RollingWindow.Minute, Shadow: true)]));
        for (var i = 0; i < 4; i++)
        {
            Assert.False((await f.CallAsync("refund-bot", Refund(100, $"r{i}"))).IsError);
        }

        Assert.Equal(2, (await f.AuditAsync()).Count(r => r.Code == "shadow_denied" && r.Message!.Contains("rate_limited")));
    }

    [Fact]
    public async Task Calls_refused_for_who_is_calling_leave_no_shadow_rate_rows()
    {
        using var f = new PipelineFixture(Roles.Refunds(rateLimits: [new RateLimit(LimitScope.Agent, 1, RollingWindow.Minute, Shadow: true)]));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("not_allowed", (await f.CallAsync("refund-bot", Refund(100, $"r{i}"), tool: "capture_payment_intent")).Code());
        }

        await f.Ledger.RevokeAsync("agent:refund-bot", null, CancellationToken.None);
        Assert.Equal("revoked", (await f.CallAsync("refund-bot", Refund(100, "r9"))).Code());

        // Each refusal counted (the shadow limit of 1 was passed), none recorded as a shadow refusal.
        var rows = await f.AuditAsync();
        Assert.Equal(4, rows.Count(r => r.Outcome == "denied"));
        Assert.DoesNotContain(rows, r => r.Code == "shadow_denied");
    }

    [Fact]
    public async Task A_shadow_tool_grant_publishes_the_unconstrained_schema_and_records_what_its_constraints_refuse()
    {
        var grant = new ToolGrant { MaxAmount = MoneyAmount.Parse("200.00 USD"), Shadow = true };
        using var f = new PipelineFixture(Roles.Refunds(grant: grant));
        var schema = f.Operation.InputSchema(f.Manifests.Current.Roles["support-refunds"], ToolGrant.Unconstrained);
        Assert.Null(schema["properties"]!["amount"]!["maximum"]);

        Assert.False((await f.CallAsync("refund-bot", Refund(25000, "big"))).IsError);
        Assert.Equal(1, f.Operation.Executions);
        Assert.Contains(await f.AuditAsync(), r => r.Code == "shadow_denied" && r.Message!.Contains("at most 20000"));
    }
}
