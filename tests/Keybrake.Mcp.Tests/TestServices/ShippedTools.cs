using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.Manifests;
using Microsoft.Extensions.DependencyInjection;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>The shipped manifests and this build's tools as the server wires them, for tests that look at tools without calling Stripe.</summary>
public static class ShippedTools
{
    /// <summary>Every tool of this build by name, for theories over all of them.</summary>
    public static TheoryData<string> ToolNames() => [.. Keybrake.Mcp.Stripe.Tools.StripeTools.Declarations.Select(d => d.Name)];

    public static ManifestSet Manifests() => ManifestLoader.LoadDirectory(RepositoryPaths.ToolManifests).Set!;

    public static ToolRegistry Registry(ManifestSet manifests) => new ServiceCollection()
        .AddLogging()
        .AddKeybrake(manifests, new KeybrakeOptions(Keybrake.Mcp.Ledger.LedgerLocation.Parse(Path.Combine(Path.GetTempPath(), "keybrake-unused.db")),
            new Keybrake.Mcp.Stripe.StripeConnection(null, TimeSpan.FromSeconds(1), 0), _ => null))
        .BuildServiceProvider()
        .GetRequiredService<ToolRegistry>();
}
