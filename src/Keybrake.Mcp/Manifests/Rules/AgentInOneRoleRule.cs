using Keybrake.Mcp.Manifests.Reading;

namespace Keybrake.Mcp.Manifests.Rules;

/// <summary>An agent belongs to one role: with two, which budgets and tools govern it would depend on file order.</summary>
internal sealed class AgentInOneRoleRule : IManifestSetRule
{
    public void Check(IReadOnlyList<ManifestDraft> drafts)
    {
        var occurrences = drafts
            .SelectMany(d => d.Agents.Select(a => (Agent: a.Text, a.Path, Draft: d)))
            .GroupBy(o => o.Agent, StringComparer.Ordinal);
        foreach (var group in occurrences)
        {
            var places = group.ToList();
            if (places.Select(p => p.Draft).Distinct(ReferenceEqualityComparer.Instance).Count() < 2)
            {
                continue;
            }

            foreach (var (agent, path, draft) in places)
            {
                var elsewhere = string.Join(
                    ", ",
                    places.Where(p => !ReferenceEquals(p.Draft, draft)).Select(p => $"role \"{p.Draft.RoleLabel}\" ({p.Draft.File} at {p.Path})"));
                draft.Diagnostics.Report(
                    path,
                    $"agent \"{agent}\" is also in {elsewhere}: an agent belongs to one role; remove it from all but one");
            }
        }
    }
}
