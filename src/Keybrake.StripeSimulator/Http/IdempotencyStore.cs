using System.Security.Cryptography;
using System.Text;

namespace Keybrake.StripeSimulator.Http;

/// <summary>
/// Stripe's idempotency layer: saved responses per (key owner, Idempotency-Key), with in-flight locking; in memory, or in
/// the account's file, so that every process sharing the account shares its keys.
/// </summary>
internal sealed class IdempotencyStore(State.StateFile? file = null, TimeProvider? time = null)
{
    // A claim whose request never finished (its process died) stops holding the key after this long.
    private const long AbandonedAfterMs = 60_000;

    private readonly Dictionary<(string Owner, string Key), Entry> _entries = [];
    private readonly Lock _gate = new();

    /// <summary>A saved response to replay.</summary>
    public sealed record Saved(int Status, string Body, string OriginalRequestId);

    private sealed class Entry(string fingerprint)
    {
        public string Fingerprint { get; } = fingerprint;
        public Saved? Result { get; set; }
    }

    /// <summary>Outcome of claiming a key: run the request, replay, or refuse.</summary>
    public enum Claim { Run, Replay, InFlight, Mismatch }

    public (Claim Claim, Saved? Saved) Begin(string apiKey, string key, string fingerprint)
    {
        if (file is not null)
        {
            var (claimed, storedFingerprint, status, body, requestId) =
                file.ClaimKey(Owner(apiKey), key, fingerprint, (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds(), AbandonedAfterMs);
            return claimed ? (Claim.Run, null)
                : storedFingerprint != fingerprint ? (Claim.Mismatch, null)
                : status is null ? (Claim.InFlight, null)
                : (Claim.Replay, new Saved(status.Value, body!, requestId!));
        }

        var slot = (Owner(apiKey), key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(slot, out var entry))
            {
                _entries[slot] = new Entry(fingerprint);
                return (Claim.Run, null);
            }
            if (entry.Fingerprint != fingerprint)
            {
                return (Claim.Mismatch, null);
            }
            return entry.Result is null ? (Claim.InFlight, null) : (Claim.Replay, entry.Result);
        }
    }

    /// <summary>Saves the response, or forgets the key when Stripe would not have saved it.</summary>
    public void Complete(string apiKey, string key, Saved? result)
    {
        if (file is not null)
        {
            file.CompleteKey(Owner(apiKey), key, result?.Status, result?.Body, result?.OriginalRequestId);
            return;
        }

        var slot = (Owner(apiKey), key);
        lock (_gate)
        {
            if (result is null)
            {
                _entries.Remove(slot);
            }
            else if (_entries.TryGetValue(slot, out var entry))
            {
                entry.Result = result;
            }
        }
    }

    /// <summary>Stripe saves completed executions (2xx, card declines) but not validation failures or server faults.</summary>
    public static bool IsSaved(int status) => status is >= 200 and < 300 or 402;

    // Keys are scoped to their owner; a hash keeps the raw API key out of long-lived state.
    private static string Owner(string apiKey) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
}
