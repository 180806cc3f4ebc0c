using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Governance.Steps;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keybrake.Mcp.Tests.Governance.Steps;

/// <summary>The shadow decorator around a step, over a real ledger file: enforce for normal grants, record for shadow ones.</summary>
public sealed class ShadowModeStepTests : IDisposable
{
    private readonly PipelineFixture _fixture = new(Roles.Refunds());

    private sealed class Refusing : IShadowableStep
    {
        public int Checked { get; private set; }

        public ValueTask<Denial?> CheckAsync(ToolCall call, CancellationToken ct)
        {
            Checked++;
            return ValueTask.FromResult(WouldRefuse(call));
        }

        public Denial? WouldRefuse(ToolCall call) => new(DenialCodes.NotAllowed, "over the cap");
    }

    private async Task<(Denial? Denial, Refusing Step)> RunAsync(bool shadow)
    {
        var step = new Refusing();
        var mode = new ShadowMode(step, new ShadowRecorder(_fixture.Ledger, NullLogger<ShadowRecorder>.Instance));
        var call = new ToolCall("refund-bot", "issue_refund", new JsonObject(), null, TimeProvider.System);
        await new KnownAgentStep(_fixture.Manifests).CheckAsync(call, CancellationToken.None);
        call.Grant = new ToolGrant { Shadow = shadow };
        return (await mode.CheckAsync(call, CancellationToken.None), step);
    }

    [Fact]
    public async Task A_normal_grant_gets_the_steps_refusal()
    {
        var (denial, step) = await RunAsync(shadow: false);

        Assert.Equal("over the cap", denial?.Message);
        Assert.Equal(1, step.Checked);
        Assert.Empty(await _fixture.AuditAsync());
    }

    [Fact]
    public async Task A_shadow_grant_goes_on_and_the_refusal_is_audited_as_shadow_denied()
    {
        var (denial, step) = await RunAsync(shadow: true);

        Assert.Null(denial);
        Assert.Equal(0, step.Checked); // only asked what it would refuse: no side effects
        var row = Assert.Single(await _fixture.AuditAsync());
        Assert.Equal((AuditOutcomes.Allowed, ShadowRecorder.Code), (row.Outcome, row.Code));
        Assert.Equal("shadow: would have been refused (not_allowed): over the cap", row.Message);
    }

    public void Dispose() => _fixture.Dispose();
}
