using Keybrake.Mcp.Ledger.Sqlite;
using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>The governance pipeline over a real SQLite ledger in a temp folder, a fake clock and a fake tool.</summary>
public sealed class PipelineFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public PipelineFixture(RoleManifest role, FakeOperation? operation = null)
    {
        Operation = operation ?? new FakeOperation();
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        Database = new SqliteDatabase(_dir.File("keybrake.db"));
        Database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        Ledger = new SqlLedger(Database, Clock);
        Manifests = new ManifestSource(Roles.Set(role));
        Approvals = new SqlApprovals(Database, Clock);
        Reconciler = new Reconciler(Ledger, new ToolRegistry([Operation]), Manifests, Clock, NullLogger<Reconciler>.Instance);
        Pipeline = PipelineOver(Ledger);
    }

    public FakeOperation Operation { get; }

    public FakeTimeProvider Clock { get; }

    public SqliteDatabase Database { get; }

    public SqlLedger Ledger { get; }

    public ManifestSource Manifests { get; }

    public GovernancePipeline Pipeline { get; }

    public Reconciler Reconciler { get; }

    public SqlApprovals Approvals { get; }

    /// <summary>The same pipeline over another ledger (e.g. one whose database is locked).</summary>
    public GovernancePipeline PipelineOver(ILedger ledger) =>
        GovernancePipeline.Create(Manifests, new ToolRegistry([Operation]), ledger, Approvals, Reconciler, Clock, NullLoggerFactory.Instance);

    public Task<ToolResponse> CallAsync(string agent, JsonObject arguments, string? tool = null, IApprovalPrompt? prompt = null) =>
        Pipeline.RunAsync(agent, tool ?? Operation.Name, arguments, CancellationToken.None, prompt);

    public Task<IReadOnlyList<AuditRecord>> AuditAsync() => Ledger.ReadAuditAsync(new AuditQuery(), CancellationToken.None);

    public void Dispose()
    {
        Database.Dispose();
        _dir.Dispose();
    }
}
