using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Tests.Notifications;

/// <summary>Writes the payloads tests receive to <c>$KEYBRAKE_NOTIFY_EXAMPLES/TYPE.json</c> when set: the README's examples are these.</summary>
internal static class TestOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string type, JsonObject payload)
    {
        if (Environment.GetEnvironmentVariable("KEYBRAKE_NOTIFY_EXAMPLES") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, type + ".json"), payload.ToJsonString(Indented) + "\n");
        }
    }
}
