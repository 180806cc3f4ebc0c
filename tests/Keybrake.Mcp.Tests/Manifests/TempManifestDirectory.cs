using System.Text.Json.Nodes;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Tests.Manifests;

/// <summary>A fresh directory per test for manifests, deleted afterwards.</summary>
internal sealed class TempManifestDirectory : IDisposable
{
    public TempManifestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "keybrake-manifests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The name errors carry for a role's file: the directory as given, combined with the file name.</summary>
    public string FileOf(string role) => System.IO.Path.Combine(Path, role + ".json");

    public string Write(string role, JsonNode manifest) => WriteRaw(role + ".json", manifest.ToJsonString());

    public string WriteRaw(string fileName, string text)
    {
        var file = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(file, text);
        return file;
    }

    public ManifestLoadResult Load() => ManifestLoader.LoadDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; failing the test over it is not.
        }
    }
}
