using System.Security.Cryptography;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>Reads and writes the PEM files of an audit key pair: <c>FILE</c> (private, mode 0600) and <c>FILE.pub</c>.</summary>
public static class AuditKeyFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The public key's file beside a private key's.</summary>
    public static string PublicPath(string privatePath) => privatePath + ".pub";

    /// <summary>Writes a new pair; refuses (<see cref="AuditKeyException"/>) to overwrite either file, since a lost key cannot sign again.</summary>
    public static void Write(AuditSigningKey key, string privatePath)
    {
        var publicPath = PublicPath(privatePath);
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path))
            {
                throw new AuditKeyException($"{path} already exists; keygen never overwrites a key (move it away, or choose another --out)");
            }
        }

        // Created with its mode, not chmod-ed after: the key is never readable by others, not even for an instant.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var writer = new StreamWriter(privatePath, System.Text.Encoding.ASCII, options))
        {
            writer.WriteLine(key.ToPem());
        }

        File.WriteAllText(publicPath, key.Public.ToPem() + "\n");
    }

    /// <summary>Whether others than the owner may read the file (a private key should be 0600).</summary>
    public static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(OwnerOnly | UnixFileMode.UserExecute)) != 0;

    // Linux's OpenSSL names the curve by OID, other platforms may give a friendly name only.
    private static bool IsP256(ECCurve curve) =>
        curve.Oid.Value == "1.2.840.10045.3.1.7" || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1";

    internal static ECDsa Read(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditKeyException($"cannot read {path}: {ex.Message}");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (!IsP256(key.ExportParameters(false).Curve))
            {
                throw new AuditKeyException($"{path} is not a P-256 key (make one with 'keybrake-mcp audit keygen --out FILE')");
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new AuditKeyException($"{path} is not a PEM EC key (make one with 'keybrake-mcp audit keygen --out FILE'): {ex.Message}");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
