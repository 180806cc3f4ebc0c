using System.Text.Json;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Manifests.Reading;
using Keybrake.Mcp.Stripe.Tools;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>The editor schema says what the loader enforces: same fields, same tools, same patterns.</summary>
public sealed class ManifestSchemaTests
{
    private static readonly JsonElement Schema = LoadSchema();

    private static JsonElement LoadSchema()
    {
        var path = Path.Combine(RepositoryPaths.ToolManifests, ManifestLoader.SchemaFileName);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static JsonElement At(params string[] path) => path.Aggregate(Schema, (element, name) => element.GetProperty(name));

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void Is_a_draft_2020_12_schema_for_a_closed_object()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", At("$schema").GetString());
        Assert.False(At("additionalProperties").GetBoolean());
        Assert.Equal(["role", "stripe", "agents", "tools"], At("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Lists_every_catalog_tool_with_exactly_its_fields()
    {
        var tools = At("properties", "tools");
        Assert.False(tools.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(ToolCatalog.AllowedFields.Keys.Order(), Keys(tools.GetProperty("properties")).Order());

        foreach (var (tool, fields) in ToolCatalog.AllowedFields)
        {
            var entry = tools.GetProperty("properties").GetProperty(tool);
            Assert.False(entry.GetProperty("additionalProperties").GetBoolean());
            Assert.Equal(ManifestFields.Tool(tool).Order(), Keys(entry.GetProperty("properties")).Order());
            Assert.True(entry.TryGetProperty("description", out _), $"{tool} has no description");
        }
    }

    /// <remarks>
    /// The file is what editors and <c>init</c> use; its tools section is what the tools declare. After a tool's
    /// declaration changes, <c>KEYBRAKE_WRITE_MANIFEST_SCHEMA=1 dotnet test --filter ManifestSchemaTests</c> rewrites it.
    /// </remarks>
    [Fact]
    public void The_tools_section_is_what_the_tools_declare()
    {
        var path = Path.Combine(RepositoryPaths.ToolManifests, ManifestLoader.SchemaFileName);
        var text = File.ReadAllText(path).Replace("\r\n", "\n");
        var derived = ManifestSchema.WithToolsOf(text);
        if (Environment.GetEnvironmentVariable("KEYBRAKE_WRITE_MANIFEST_SCHEMA") == "1")
        {
            File.WriteAllText(path, derived);
        }

        Assert.Equal(derived, text);
        Assert.Equal(StripeTools.Declarations.Select(d => d.Name), Keys(At("properties", "tools", "properties")));
    }

    [Fact]
    public void Lists_the_same_fields_as_the_loader()
    {
        Assert.Equal(ManifestFields.Root, Keys(At("properties")));
        Assert.Equal(ManifestFields.Stripe, Keys(At("properties", "stripe", "properties")));
        Assert.Equal(ManifestFields.Approvals, Keys(At("properties", "approvals", "properties")));
        Assert.Equal(ManifestFields.Budget, Keys(At("$defs", "budget", "properties")));
        Assert.Equal(ManifestFields.RateLimit, Keys(At("$defs", "rateLimit", "properties")));
        Assert.Equal(ManifestFields.Notify, Keys(At("$defs", "notifyEndpoint", "properties")));
        foreach (var closed in new[] { At("properties", "stripe"), At("properties", "approvals"), At("$defs", "budget"), At("$defs", "rateLimit"), At("$defs", "notifyEndpoint") })
        {
            Assert.False(closed.GetProperty("additionalProperties").GetBoolean());
        }
    }

    [Fact]
    public void Uses_the_loaders_patterns_and_enums()
    {
        Assert.Equal(ManifestPatterns.Role, At("properties", "role", "pattern").GetString());
        Assert.Equal(ManifestPatterns.KeyEnv, At("properties", "stripe", "properties", "keyEnv", "pattern").GetString());
        Assert.Equal(ManifestPatterns.Agent, At("properties", "agents", "items", "pattern").GetString());
        Assert.Equal(ManifestPatterns.Customer, At("properties", "customers", "items", "pattern").GetString());
        Assert.Equal(ManifestPatterns.Duration, At("properties", "approvals", "properties", "expiresAfter", "pattern").GetString());
        Assert.Equal(ManifestPatterns.Money, At("$defs", "money", "pattern").GetString());
        Assert.Equal(ManifestPatterns.Price, At("$defs", "prices", "items", "pattern").GetString());
        Assert.Equal(ToolCatalog.RefundReasons, Enum(At("$defs", "reasons", "items")));
        Assert.Equal(ToolCatalog.ProrationBehaviors, Enum(At("$defs", "prorationBehaviors", "items")));
        Assert.Equal(ManifestNames.Windows.Keys, Enum(At("$defs", "window")));
        Assert.Equal(ManifestNames.Scopes.Keys, Enum(At("$defs", "per")));
        Assert.Equal(ManifestNames.Modes.Keys, Enum(At("properties", "stripe", "properties", "mode")));
        Assert.Equal(ManifestNames.Channels.Keys, Enum(At("properties", "approvals", "properties", "via")));
        Assert.Equal(Keybrake.Mcp.Notifications.NotificationTypes.All, Enum(At("$defs", "notifyEndpoint", "properties", "events", "items")));
        Assert.Equal(ManifestPatterns.KeyEnv, At("$defs", "notifyEndpoint", "properties", "secretEnv", "pattern").GetString());
    }

    [Theory]
    [InlineData("500.00 USD", true)]
    [InlineData("500 JPY", true)]
    [InlineData("5.120 KWD", true)]
    [InlineData("400.0.0 USD", false)]
    [InlineData("1.2345 USD", false)]
    [InlineData("500 usd", false)]
    public void The_money_pattern_accepts_the_manifest_form(string text, bool matches) =>
        Assert.Equal(matches, System.Text.RegularExpressions.Regex.IsMatch(text, ManifestPatterns.Money));

    private static string[] Enum(JsonElement element) => [.. element.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];
}
