namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Collects the errors of one manifest file into the load's shared list; never stops reading.</summary>
internal sealed class FileDiagnostics(string file, List<ManifestError> sink)
{
    private int count;

    /// <summary>The file as the caller named it, printed in front of every error.</summary>
    public string File => file;

    public bool HasErrors => count > 0;

    /// <summary>Errors so far; a section compares it before and after to know whether it read cleanly.</summary>
    public int Count => count;

    public void Report(JsonPath path, string message)
    {
        sink.Add(new ManifestError(file, path.Text, message));
        count++;
    }
}
