using System.Text.Json.Nodes;
using Keybrake.Mcp.Governance;
using Keybrake.Mcp.Governance.Rules;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Tests.TestServices;

namespace Keybrake.Mcp.Tests.Stripe;

/// <summary>
/// A keyword the validator does not enforce would be a promise to the model that nothing keeps: every generated input
/// schema, for every shipped role and for unconstrained grants, uses only what <see cref="ArgumentValidator"/> checks.
/// </summary>
public sealed class InputSchemaKeywordTests
{
    [Theory]
    [MemberData(nameof(ShippedTools.ToolNames), MemberType = typeof(ShippedTools))]
    public void Every_generated_input_schema_uses_only_enforced_keywords(string tool)
    {
        var manifests = ShippedTools.Manifests();
        var operation = ShippedTools.Registry(manifests).Find(tool)!;
        var grants = manifests.Roles.Values.Where(r => r.Tools.ContainsKey(tool)).Select(r => (r, r.Tools[tool]))
            .Append((manifests.Roles.Values.OrderBy(r => r.Role, StringComparer.Ordinal).First(), ToolGrant.Unconstrained));
        foreach (var (role, grant) in grants)
        {
            var schema = operation.InputSchema(role, grant);
            var where = $"{tool} for role '{role.Role}'{(grant == ToolGrant.Unconstrained ? " (unconstrained)" : "")}";
            Assert.All(schema.Select(k => k.Key), k => Assert.True(ArgumentValidator.RootKeywords.Contains(k) || ArgumentValidator.Annotations.Contains(k), $"{where}: '{k}'"));
            Assert.Equal("object", schema["type"]!.GetValue<string>());
            Assert.False(schema["additionalProperties"]!.GetValue<bool>(), where);
            foreach (var (name, property) in schema["properties"]!.AsObject())
            {
                var argument = property!.AsObject();
                Assert.All(argument.Select(k => k.Key),
                    k => Assert.True(ArgumentValidator.ArgumentKeywords.Contains(k) || ArgumentValidator.Annotations.Contains(k), $"{where}, argument '{name}': '{k}'"));
                Assert.Contains(argument["type"]!.GetValue<string>(), ArgumentValidator.ArgumentTypes);
            }

            Assert.All((schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()), r => Assert.True(schema["properties"]![r] is not null, $"{where}: required '{r}'"));
        }
    }
}
