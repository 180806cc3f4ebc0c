using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Governance;

/// <summary>Calls above approvalAbove wait for a decision bound to agent, tool and arguments, with the money held.</summary>
public sealed class ApprovalTests
{
    private static RoleManifest Role(ApprovalChannel via = ApprovalChannel.Operator) => Roles.Refunds(grant: new ToolGrant
    {
        MaxAmount = MoneyAmount.Parse("200.00 USD"),
        ApprovalAbove = MoneyAmount.Parse("100.00 USD"),
    }) with { Approvals = new ApprovalSettings(via, TimeSpan.FromMinutes(15)) };

    private static JsonObject Refund(long amount, string requestId) => new() { ["payment_intent"] = "pi_1", ["amount"] = amount, ["request_id"] = requestId };

    private static async Task<BudgetUsage> UsageAsync(PipelineFixture f) =>
        (await f.Ledger.ReadUsageAsync(Role(), CancellationToken.None)).Single(u => u.Agent == "refund-bot");

    private sealed class FixedPrompt(bool? answer) : IApprovalPrompt
    {
        public int Asked { get; private set; }

        public string ClientName => "test-client";

        public Task<bool?> ConfirmAsync(string message, CancellationToken ct)
        {
            Asked++;
            return Task.FromResult(answer);
        }
    }

    [Fact]
    public async Task A_budget_full_of_pending_approvals_is_reported_as_held_not_used()
    {
        using var f = new PipelineFixture(Roles.Refunds(agentBudget: "150.00 USD", grant: new ToolGrant
        {
            MaxAmount = MoneyAmount.Parse("200.00 USD"),
            ApprovalAbove = MoneyAmount.Parse("100.00 USD"),
        }) with { Approvals = new ApprovalSettings(ApprovalChannel.Operator, TimeSpan.FromMinutes(15)) });
        Assert.Equal("approval_required", (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Code());

        var refused = await f.CallAsync("refund-bot", Refund(100, "other"));

        Assert.Equal("budget_exceeded", refused.Code());
        Assert.Equal("refund of 1.00 USD would exceed the agent's day budget: 0.00 of 150.00 USD used, " +
            "150.00 held for calls in flight, unknown outcomes and pending approvals", refused.Message());
        var error = refused.Structured["error"]!;
        Assert.Equal((0L, 15000L, 0L), ((long)error["used"]!, (long)error["held"]!, (long)error["remaining"]!));
    }

    [Fact]
    public async Task An_approval_whose_hold_fills_the_budget_is_answered_by_the_gate_not_refused_early()
    {
        var operation = new FakeOperation { Least = call => JsonNumbers.TryGetInt64(call.Arguments["amount"], out var amount) ? amount : 1 };
        using var f = new PipelineFixture(Roles.Refunds(agentBudget: "150.00 USD", grant: new ToolGrant
        {
            MaxAmount = MoneyAmount.Parse("200.00 USD"),
            ApprovalAbove = MoneyAmount.Parse("100.00 USD"),
        }) with { Approvals = new ApprovalSettings(ApprovalChannel.Operator, TimeSpan.FromMinutes(15)) }, operation);
        var held = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.Equal("approval_required", held.Code());

        // The pending approval's hold is the whole budget; asking again still reports the approval, not a spent budget.
        Assert.Equal("approval_required", (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Code());
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(100, "other"))).Code());
        Assert.Equal("budget_exceeded", (await f.CallAsync("refund-bot", Refund(100, "other-2"))).Code()); // now refused early
        Assert.Equal("approval_required", (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Code());

        var approvalId = held.Structured["error"]!["approval_id"]!.GetValue<string>();
        Assert.NotNull(await f.Approvals.DecideAsync(approvalId, true, "alice", null, TimeSpan.FromMinutes(15), CancellationToken.None));
        var done = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.False(done.IsError, done.Text);
        Assert.Equal(1, operation.Executions);
    }

    [Fact]
    public async Task Below_the_threshold_no_approval_is_needed()
    {
        using var f = new PipelineFixture(Role());
        Assert.False((await f.CallAsync("refund-bot", Refund(10000, "a"))).IsError);
        Assert.Empty(await f.Approvals.ListAsync(all: true, CancellationToken.None));
    }

    [Fact]
    public async Task Above_the_threshold_the_call_is_held_until_an_operator_approves_then_the_retry_proceeds_once()
    {
        using var f = new PipelineFixture(Role());
        var held = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.Equal("approval_required", held.Code());
        var approvalId = held.Structured["error"]!["approval_id"]!.GetValue<string>();
        Assert.Equal(15000, held.Structured["error"]!["amount"]!.GetValue<long>());
        Assert.Equal(10000, held.Structured["error"]!["threshold"]!.GetValue<long>());
        Assert.Contains($"keybrake-mcp approvals approve {approvalId}", held.Message());
        Assert.Equal(0, f.Operation.Executions);
        Assert.Equal(15000, (await UsageAsync(f)).HeldMinor);

        var again = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.Equal(approvalId, again.Structured["error"]!["approval_id"]!.GetValue<string>());
        Assert.Equal(15000, (await UsageAsync(f)).HeldMinor);

        Assert.NotNull(await f.Approvals.DecideAsync(approvalId, true, "alice (terminal)", null, TimeSpan.FromMinutes(15), CancellationToken.None));
        var done = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.False(done.IsError, done.Text);
        Assert.Equal(1, f.Operation.Executions);
        Assert.Equal((15000L, 0L), ((await UsageAsync(f)).SettledMinor, (await UsageAsync(f)).HeldMinor));
        Assert.Equal(ApprovalStatus.Used, (await f.Approvals.ListAsync(all: true, CancellationToken.None)).Single().Status);
        Assert.Contains(await f.AuditAsync(), r => r.Outcome == "allowed" && r.Message!.Contains("approved by alice (terminal)"));

        // The approval was used; the same request now answers from the ledger, never a second refund.
        Assert.True((await f.CallAsync("refund-bot", Refund(15000, "t1"))).Structured["replayed"]!.GetValue<bool>());
        Assert.Equal(1, f.Operation.Executions);
    }

    [Fact]
    public async Task A_denial_releases_the_hold_and_the_retry_is_refused()
    {
        using var f = new PipelineFixture(Role());
        var approvalId = (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Structured["error"]!["approval_id"]!.GetValue<string>();
        await f.Approvals.DecideAsync(approvalId, false, "bob (terminal)", "not a duplicate", TimeSpan.FromMinutes(15), CancellationToken.None);
        Assert.Equal(0, (await UsageAsync(f)).UsedMinor);

        var refused = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.Equal("not_allowed", refused.Code());
        Assert.Contains("denied by bob (terminal)", refused.Message());
        Assert.Contains("not a duplicate", refused.Message());
        Assert.Equal(0, f.Operation.Executions);
        Assert.Contains(await f.AuditAsync(), r => r.Outcome == "denied" && r.Message!.Contains("denied by bob"));
    }

    [Fact]
    public async Task An_unanswered_approval_expires_and_releases_its_hold()
    {
        using var f = new PipelineFixture(Role());
        var first = (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Structured["error"]!["approval_id"]!.GetValue<string>();
        f.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Empty(await f.Approvals.ListAsync(all: false, CancellationToken.None));
        Assert.Equal(0, (await UsageAsync(f)).UsedMinor);
        Assert.Null(await f.Approvals.DecideAsync(first, true, "late", null, TimeSpan.FromMinutes(15), CancellationToken.None));

        var second = await f.CallAsync("refund-bot", Refund(15000, "t1"));
        Assert.Equal("approval_required", second.Code());
        Assert.NotEqual(first, second.Structured["error"]!["approval_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_approval_cannot_be_reused_for_other_arguments()
    {
        using var f = new PipelineFixture(Role());
        var approvalId = (await f.CallAsync("refund-bot", Refund(15000, "t1"))).Structured["error"]!["approval_id"]!.GetValue<string>();
        await f.Approvals.DecideAsync(approvalId, true, "alice", null, TimeSpan.FromMinutes(15), CancellationToken.None);

        var bigger = await f.CallAsync("refund-bot", Refund(19000, "t1"));
        Assert.Equal("approval_required", bigger.Code());
        Assert.NotEqual(approvalId, bigger.Structured["error"]!["approval_id"]!.GetValue<string>());
        var otherRequest = await f.CallAsync("refund-bot", Refund(15000, "t2"));
        Assert.Equal("approval_required", otherRequest.Code());
        var otherAgent = await f.CallAsync("refund-bot-2", Refund(15000, "t1"));
        Assert.Equal("approval_required", otherAgent.Code());
        Assert.Equal(0, f.Operation.Executions);
    }

    [Fact]
    public async Task Asking_for_approval_respects_the_budget()
    {
        using var f = new PipelineFixture(Role());
        for (var i = 0; i < 4; i++)
        {
            Assert.False((await f.CallAsync("refund-bot", Refund(10000, $"small{i}"))).IsError);
        }

        var refused = await f.CallAsync("refund-bot", Refund(15000, "big"));
        Assert.Equal("budget_exceeded", refused.Code());
        Assert.Empty(await f.Approvals.ListAsync(all: true, CancellationToken.None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Client_approval_asks_the_client_and_audits_its_answer(bool accept)
    {
        using var f = new PipelineFixture(Role(ApprovalChannel.Client));
        var prompt = new FixedPrompt(accept);
        var response = await f.CallAsync("refund-bot", Refund(15000, "t1"), prompt: prompt);
        Assert.Equal(1, prompt.Asked);
        if (accept)
        {
            Assert.False(response.IsError, response.Text);
            Assert.Equal(1, f.Operation.Executions);
        }
        else
        {
            Assert.Equal("not_allowed", response.Code());
            Assert.Contains("declined in the client", response.Message());
            Assert.Equal(0, f.Operation.Executions);
            Assert.Equal(0, (await UsageAsync(f)).UsedMinor);
        }

        Assert.Contains(await f.AuditAsync(), r => r.Message is { } m && m.Contains("by client:test-client"));
    }

    [Fact]
    public async Task Client_approval_falls_back_to_an_operator_when_the_client_cannot_elicit()
    {
        using var f = new PipelineFixture(Role(ApprovalChannel.Client));
        var response = await f.CallAsync("refund-bot", Refund(15000, "t1"), prompt: new FixedPrompt(null));
        Assert.Equal("approval_required", response.Code());
        Assert.Single(await f.Approvals.ListAsync(all: false, CancellationToken.None));
    }
}
