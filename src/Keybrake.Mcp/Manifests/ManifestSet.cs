using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests;

/// <summary>Every role's manifest from one directory, validated as a whole (an agent is in one role at most).</summary>
public sealed record ManifestSet(ImmutableDictionary<string, RoleManifest> Roles)
{
    /// <summary>The role an agent belongs to, or null when no manifest names it.</summary>
    public RoleManifest? RoleOf(string agent) =>
        Roles.Values.FirstOrDefault(r => r.Agents.Contains(agent, StringComparer.Ordinal));
}

/// <summary>One problem; <c>validate</c> prints <c>file: $.path: message</c>. Validation collects all of them.</summary>
public sealed record ManifestError(string File, string JsonPath, string Message)
{
    public override string ToString() => $"{File}: {JsonPath}: {Message}";
}
