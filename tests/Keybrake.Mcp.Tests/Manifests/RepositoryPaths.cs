namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>Finds files of the repository the tests were built from, whatever the output directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ToolManifests => Path.Combine(Root, "tool-manifests");

    public static string Fixtures => Path.Combine(Root, "tests", "Keybrake.Mcp.Tests", "Fixtures", "manifests");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Keybrake.Mcp.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Keybrake.Mcp.sln above {AppContext.BaseDirectory}");
    }
}
