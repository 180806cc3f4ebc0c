using System.Collections.Immutable;
using System.Text.Json;
using Keybrake.Mcp.Manifests.Reading;
using Keybrake.Mcp.Manifests.Rules;

namespace Keybrake.Mcp.Manifests;

/// <summary>Reads and validates role manifests (DESIGN.md 3.2), collecting every error of every file before answering.</summary>
public static class ManifestLoader
{
    /// <summary>The editor schema that lives beside the manifests and is not one.</summary>
    public const string SchemaFileName = "manifest.schema.json";

    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Loads every <c>*.json</c> in <paramref name="directory"/> except <see cref="SchemaFileName"/>.</summary>
    public static ManifestLoadResult LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return Failed(directory, $"manifest directory \"{directory}\" does not exist: create it with one <role>.json per role, or point --manifests at it");
        }

        var files = Directory.EnumerateFiles(directory, "*.json")
            .Where(f => !string.Equals(Path.GetFileName(f), SchemaFileName, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        return files.Count == 0
            ? Failed(directory, $"no role manifests in \"{directory}\": add one <role>.json per role, e.g. support-refunds.json")
            : LoadFiles(files);
    }

    /// <summary>Loads exactly these files, named in errors as given; the same cross-file rules apply as for a directory.</summary>
    public static ManifestLoadResult LoadFiles(IEnumerable<string> files)
    {
        var errors = new List<ManifestError>();
        var drafts = new List<ManifestDraft>();
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            order.TryAdd(file, order.Count);
            if (Read(file, errors) is { } draft)
            {
                drafts.Add(draft);
            }
        }

        if (drafts.Count == 0 && errors.Count == 0)
        {
            return Failed("", "no manifest files given: pass at least one <role>.json");
        }

        foreach (var draft in drafts)
        {
            foreach (var rule in ManifestRules.PerRole)
            {
                rule.Check(draft);
            }
        }

        foreach (var rule in ManifestRules.AcrossRoles)
        {
            rule.Check(drafts);
        }

        if (errors.Count > 0)
        {
            // Rules run after all files are read; grouping by file keeps each file's problems together for the reader.
            return new ManifestLoadResult(null, [.. errors.OrderBy(e => order.GetValueOrDefault(e.File, int.MaxValue))]);
        }

        var roles = drafts.ToImmutableDictionary(d => d.Manifest.Role, d => d.Manifest, StringComparer.Ordinal);
        return new ManifestLoadResult(new ManifestSet(roles), []);
    }

    /// <summary>Parses and reads one file; null when it cannot be read or is not JSON (already reported).</summary>
    private static ManifestDraft? Read(string file, List<ManifestError> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ManifestError(file, "$", $"cannot read the file: {e.Message}"));
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text, Options);
            return RoleManifestReader.Read(document.RootElement, new FileDiagnostics(file, errors));
        }
        catch (JsonException e)
        {
            errors.Add(new ManifestError(file, "$", InvalidJson(e)));
            return null;
        }
    }

    // The reader's message ends with its own 0-based "LineNumber: x | BytePositionInLine: y"; people count from 1.
    private static string InvalidJson(JsonException e)
    {
        var reason = e.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            reason = reason[..cut];
        }

        return $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {reason}";
    }

    private static ManifestLoadResult Failed(string file, string message) =>
        new(null, [new ManifestError(file, "$", message)]);
}
