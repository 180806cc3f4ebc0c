using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>One manifest per role: two files declaring the same role would leave it unclear which grants apply.</summary>
internal sealed class UniqueRoleRule : IManifestSetRule
{
    public void Check(IReadOnlyList<ManifestDraft> drafts)
    {
        foreach (var group in drafts.Where(d => d.DeclaredRole is not null).GroupBy(d => d.DeclaredRole!, StringComparer.Ordinal))
        {
            var files = group.ToList();
            if (files.Count < 2)
            {
                continue;
            }

            foreach (var draft in files)
            {
                var others = string.Join(", ", files.Where(f => !ReferenceEquals(f, draft)).Select(f => f.File));
                draft.Diagnostics.Report(
                    ManifestDraft.RolePath,
                    $"role \"{group.Key}\" is also declared in {others}: a role has one manifest; merge them or rename one");
            }
        }
    }
}
