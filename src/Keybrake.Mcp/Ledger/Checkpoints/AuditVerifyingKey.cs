using System.Security.Cryptography;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>The public half of an audit signing key (ECDSA P-256, a PEM <c>PUBLIC KEY</c>): all an auditor needs to check checkpoints.</summary>
public sealed class AuditVerifyingKey : IDisposable
{
    private readonly ECDsa _key;

    internal AuditVerifyingKey(ECDsa key)
    {
        _key = key;
        KeyId = IdOf(key);
    }

    /// <summary>The first 16 hex digits of SHA-256 over the key's SubjectPublicKeyInfo (DER): names the key in each checkpoint.</summary>
    public string KeyId { get; }

    /// <summary>The key as a PEM <c>PUBLIC KEY</c> (what <c>FILE.pub</c> holds).</summary>
    public string ToPem() => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Reads a PEM public key (a private key file works too: only its public half is used); throws <see cref="AuditKeyException"/>.</summary>
    public static AuditVerifyingKey Load(string path) => new(AuditKeyFiles.Read(path));

    /// <summary>True when <paramref name="signature"/> (DER, as OpenSSL writes it) is this key's ECDSA-SHA256 signature of <paramref name="data"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    internal static string IdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    public void Dispose() => _key.Dispose();
}
