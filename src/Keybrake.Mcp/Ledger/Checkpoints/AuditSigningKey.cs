using System.Security.Cryptography;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// The private key that signs audit checkpoints (ECDSA P-256: in the platform's crypto, AOT-safe, and checkable with
/// <c>openssl dgst</c>). It lives in a file of its own, never in the ledger.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private AuditSigningKey(ECDsa key)
    {
        _key = key;
        Public = new AuditVerifyingKey(ECDsa.Create(key.ExportParameters(includePrivateParameters: false)));
    }

    /// <summary>Its public half, and with it the key id.</summary>
    public AuditVerifyingKey Public { get; }

    /// <summary>A new random key.</summary>
    public static AuditSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a PEM private key (PKCS#8, as <c>audit keygen</c> writes it); throws <see cref="AuditKeyException"/>.</summary>
    public static AuditSigningKey Load(string path)
    {
        var key = AuditKeyFiles.Read(path);
        try
        {
            // Throws for a public-only key: there is nothing to sign with.
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new AuditKeyException($"{path} holds a public key; give the private key file (the one without .pub)");
        }

        return new AuditSigningKey(key);
    }

    /// <summary>ECDSA-SHA256 over <paramref name="data"/>, DER-encoded (RFC 3279), as <c>openssl dgst -sha256 -verify</c> reads it.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>The key as a PEM <c>PRIVATE KEY</c> (PKCS#8).</summary>
    public string ToPem() => _key.ExportPkcs8PrivateKeyPem();

    public void Dispose()
    {
        _key.Dispose();
        Public.Dispose();
    }
}
