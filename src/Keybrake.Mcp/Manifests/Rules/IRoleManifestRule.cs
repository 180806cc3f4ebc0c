using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>A check on one role's whole manifest, after its sections are read; it reports through the draft's diagnostics.</summary>
internal interface IRoleManifestRule
{
    void Check(ManifestDraft draft);
}

/// <summary>A check across every manifest of one load (an agent in one role, one file per role).</summary>
internal interface IManifestSetRule
{
    void Check(IReadOnlyList<ManifestDraft> drafts);
}
