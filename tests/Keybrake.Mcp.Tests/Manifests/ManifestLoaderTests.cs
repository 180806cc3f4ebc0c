using Keybrake.Mcp.Manifests;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Directory and file handling: what is read, what is skipped, and errors that are not about one field.</summary>
public sealed class ManifestLoaderTests
{
    [Fact]
    public void A_missing_directory_is_an_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "keybrake-missing-" + Guid.NewGuid().ToString("N"));

        ManifestAssert.OnlyError(ManifestLoader.LoadDirectory(missing), missing, "$", "does not exist");
    }

    [Fact]
    public void A_directory_with_only_the_schema_is_an_error()
    {
        using var dir = new TempManifestDirectory();
        dir.WriteRaw(ManifestLoader.SchemaFileName, "{}");

        ManifestAssert.OnlyError(dir.Load(), dir.Path, "$", "no role manifests");
    }

    [Fact]
    public void No_files_given_is_an_error() =>
        Assert.Contains("no manifest files given", Assert.Single(ManifestLoader.LoadFiles([]).Errors).Message);

    [Fact]
    public void The_schema_file_is_not_read_as_a_manifest()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha"));
        dir.WriteRaw(ManifestLoader.SchemaFileName, "not even json");

        var set = ManifestAssert.Clean(dir.Load());
        Assert.Equal(["alpha"], set.Roles.Keys);
    }

    [Fact]
    public void Non_json_files_are_ignored()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha"));
        dir.WriteRaw("README.md", "# roles");

        ManifestAssert.Clean(dir.Load());
    }

    [Fact]
    public void Invalid_json_is_reported_with_line_and_position()
    {
        using var dir = new TempManifestDirectory();
        dir.WriteRaw("alpha.json", "{\n  \"role\": \"alpha\",\n  oops\n}");

        var error = ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$", "invalid JSON at line 3, position 3");
        Assert.DoesNotContain("LineNumber", error.Message);
    }

    [Fact]
    public void An_empty_file_is_invalid_json()
    {
        using var dir = new TempManifestDirectory();
        dir.WriteRaw("alpha.json", "");

        ManifestAssert.OnlyError(dir.Load(), dir.FileOf("alpha"), "$", "invalid JSON at line 1");
    }

    [Fact]
    public void Comments_and_trailing_commas_are_allowed()
    {
        using var dir = new TempManifestDirectory();
        dir.WriteRaw(
            "alpha.json",
            """
            // leading comment
            {
              "$schema": "./manifest.schema.json", // why this role exists
              "role": "alpha",
              /* block comment */
              "stripe": { "keyEnv": "KEYBRAKE_STRIPE_KEY_ALPHA", "mode": "live", },
              "agents": ["alpha-bot",],
              "tools": { "get_customer": {}, },
            }
            """);

        var role = ManifestAssert.Clean(dir.Load()).Roles["alpha"];
        Assert.Equal(StripeMode.Live, role.Stripe.Mode);
    }

    [Fact]
    public void Errors_from_several_files_are_all_collected_in_one_load()
    {
        using var dir = new TempManifestDirectory();
        dir.Write("alpha", ValidManifest.For("alpha").With("budgets[1].limit", "\"400.0.0 USD\""));
        dir.Write("beta", ValidManifest.For("beta").With("tools.issue_refund.reasons", "[\"fraud\"]").With("stripe.mode", "\"prod\""));
        dir.WriteRaw("gamma.json", "{ nope");
        dir.Write("delta", ValidManifest.For("delta"));

        var result = dir.Load();

        ManifestAssert.HasError(result, dir.FileOf("alpha"), "$.budgets[1].limit", "is not money");
        ManifestAssert.HasError(result, dir.FileOf("beta"), "$.tools.issue_refund.reasons[0]", "not a Stripe refund reason");
        ManifestAssert.HasError(result, dir.FileOf("beta"), "$.stripe.mode", "not a valid mode");
        ManifestAssert.HasError(result, dir.FileOf("gamma"), "$", "invalid JSON");
        Assert.Equal(4, result.Errors.Length);
        Assert.DoesNotContain(result.Errors, e => e.File == dir.FileOf("delta"));
        Assert.Equal(result.Errors.Select(e => e.File).Order(StringComparer.Ordinal), result.Errors.Select(e => e.File));
    }

    [Fact]
    public void Load_files_names_errors_by_the_paths_given()
    {
        using var dir = new TempManifestDirectory();
        var file = dir.Write("alpha", ValidManifest.For("alpha").With("stripe.mode", "\"prod\""));

        var error = ManifestAssert.OnlyError(ManifestLoader.LoadFiles([file]), file, "$.stripe.mode", "not a valid mode");
        Assert.Equal($"{file}: $.stripe.mode: {error.Message}", error.ToString());
    }

    [Fact]
    public void An_unreadable_path_is_an_error_not_an_exception()
    {
        using var dir = new TempManifestDirectory();
        var missing = Path.Combine(dir.Path, "ghost.json");

        ManifestAssert.OnlyError(ManifestLoader.LoadFiles([missing]), missing, "$", "cannot read the file");
    }
}
