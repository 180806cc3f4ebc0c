using Keybrake.Mcp.Manifests;
using Xunit;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Assertions that print every error on failure, so a broken rule is diagnosed from the test output alone.</summary>
internal static class ManifestAssert
{
    public static ManifestSet Clean(ManifestLoadResult result)
    {
        Assert.True(result.Errors.IsEmpty, "expected no errors, got:\n" + Listing(result));
        Assert.NotNull(result.Set);
        return result.Set;
    }

    public static ManifestError HasError(ManifestLoadResult result, string file, string jsonPath, string fragment)
    {
        Assert.Null(result.Set);
        var match = result.Errors.FirstOrDefault(e => e.File == file && e.JsonPath == jsonPath && e.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.True(match is not null, $"expected {file}: {jsonPath}: ...{fragment}..., got:\n" + Listing(result));
        return match;
    }

    public static ManifestError OnlyError(ManifestLoadResult result, string file, string jsonPath, string fragment)
    {
        var error = HasError(result, file, jsonPath, fragment);
        Assert.True(result.Errors.Length == 1, "expected exactly one error, got:\n" + Listing(result));
        return error;
    }

    private static string Listing(ManifestLoadResult result) => string.Join("\n", result.Errors.Select(e => e.ToString()));
}
