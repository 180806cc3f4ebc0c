using Keybrake.Mcp.Manifests;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Rules across files: an agent in one role only, one manifest per role.</summary>
public sealed class CrossRoleRuleTests
{
    [Fact]
    public void An_agent_in_two_roles_is_reported_on_both_files()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha", "alpha-bot", "shared-bot"));
        dir.Write("beta", ValidManifest.For("beta", "shared-bot"));

        var result = dir.Load();

        var onAlpha = ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.agents[1]", "agent \"shared-bot\" is also in role \"beta\"");
        var onBeta = ManifestAssert.HasError(result, dir.FileOf("beta"), "$.agents[0]", "agent \"shared-bot\" is also in role \"alpha\"");
        Assert.Contains($"{dir.FileOf("beta")} at $.agents[0]", onAlpha.Message);
        Assert.Contains($"{dir.FileOf("alpha")} at $.agents[1]", onBeta.Message);
        Assert.Equal(2, result.Errors.Length);
        Assert.Equal(dir.FileOf("alpha"), result.Errors[0].File);
    }

    [Fact]
    public void An_agent_in_three_roles_names_both_others()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha", "bot"));
        dir.Write("beta", ValidManifest.For("beta", "bot"));
        dir.Write("gamma", ValidManifest.For("gamma", "bot"));

        var result = dir.Load();

        var error = ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.agents[0]", "role \"beta\"");
        Assert.Contains("role \"gamma\"", error.Message);
        Assert.Equal(3, result.Errors.Length);
    }

    [Fact]
    public void Two_files_with_the_same_role_are_both_reported()
    {
        using var first = new TempManifestDirectory();
        using var second = new TempManifestDirectory();
        var a = first.Write("alpha", ValidManifest.For("alpha", "bot-one"));
        var b = second.Write("alpha", ValidManifest.For("alpha", "bot-two"));

        var result = ManifestLoader.LoadFiles([a, b]);

        ManifestAssert.HasError(result, a, "$.role", $"role \"alpha\" is also declared in {b}");
        ManifestAssert.HasError(result, b, "$.role", $"role \"alpha\" is also declared in {a}");
        Assert.Equal(2, result.Errors.Length);
    }

    [Fact]
    public void A_role_named_after_another_file_clashes_with_it_too()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha", "bot-one"));
        dir.Write("beta", ValidManifest.For("alpha", "bot-two"));

        var result = dir.Load();

        ManifestAssert.HasError(result, dir.FileOf("beta"), "$.role", "does not match the file name \"beta.json\"");
        ManifestAssert.HasError(result, dir.FileOf("beta"), "$.role", "is also declared in");
        ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.role", "is also declared in");
    }

    [Fact]
    public void Cross_file_checks_still_run_when_a_file_has_other_errors()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha", "bot").With("stripe", null));
        dir.Write("beta", ValidManifest.For("beta", "bot"));

        var result = dir.Load();

        ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.stripe", "required field");
        ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.agents[0]", "also in role \"beta\"");
        ManifestAssert.HasError(result, dir.FileOf("beta"), "$.agents[0]", "also in role \"alpha\"");
    }

    [Fact]
    public void The_set_finds_each_agents_role()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha", "bot-one", "bot-two"));
        dir.Write("beta", ValidManifest.For("beta", "bot-three"));

        var set = ManifestAssert.Clean(dir.Load());

        Assert.Equal("alpha", set.RoleOf("bot-two")?.Role);
        Assert.Equal("beta", set.RoleOf("bot-three")?.Role);
        Assert.Null(set.RoleOf("nobody"));
    }
}
