using System.Net;
using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>What Stripe let a key do with one resource, probed harmlessly.</summary>
public enum KeyAccess
{
    Allowed,
    Refused,

    /// <summary>Stripe's answer did not say (a 429 or 5xx, no answer).</summary>
    Unknown,
}

/// <summary>One resource of a key check: what the role's plan needs and what Stripe allowed.</summary>
public sealed record KeyResourceCheck(string Resource, string Planned, KeyAccess Read, KeyAccess Write)
{
    /// <summary>"ok", or what is wrong: "missing read", "missing write", "extra read", "extra write", "could not tell".</summary>
    public string Verdict
    {
        get
        {
            if (Read == KeyAccess.Unknown || Write == KeyAccess.Unknown)
            {
                return "could not tell";
            }

            var needRead = Planned is "read" or "write";
            var needWrite = Planned == "write";
            return (needRead, Read, needWrite, Write) switch
            {
                (true, KeyAccess.Refused, _, _) => "missing read",
                (_, _, true, KeyAccess.Refused) => "missing write",
                (false, KeyAccess.Allowed, _, _) => "extra read",
                (_, _, false, KeyAccess.Allowed) => "extra write",
                _ => "ok",
            };
        }
    }
}

/// <summary>
/// The seed's "test mode first" workflow, for operators: shows that a role's key can do what <c>keys plan</c> says its
/// tools need and is refused everything else, a resource outside the plan and a write where the plan reads. Every probe
/// is harmless: a read or an empty update of an object that does not exist, which Stripe answers 404 after its permission
/// check (403 when the key lacks the permission).
/// </summary>
public sealed class KeyVerifier(StripeClients clients)
{
    /// <summary>The resources the five roles' tools touch, and the neighbours a key is most often too broad on.</summary>
    public static readonly string[] Resources =
        ["charges", "customers", "invoices", "payment_intents", "payment_methods", "prices", "products", "refunds", "subscription_items", "subscriptions"];

    private const string ProbeId = "kbk_keys_verify_probe";

    public async Task<IReadOnlyList<KeyResourceCheck>> VerifyAsync(RoleManifest role, CancellationToken ct)
    {
        var planned = StripePermissions.Plan(role).Select(p => p.Split(':')).ToDictionary(p => p[0], p => p[1]);
        var stripe = clients.For(role);
        var checks = new List<KeyResourceCheck>();
        foreach (var resource in Resources)
        {
            var read = await ProbeAsync(stripe, HttpMethod.Get, resource, ct);
            var write = await ProbeAsync(stripe, HttpMethod.Post, resource, ct);
            checks.Add(new KeyResourceCheck(resource, planned.GetValueOrDefault(resource) ?? "none", read, write));
        }

        return checks;
    }

    private static async Task<KeyAccess> ProbeAsync(StripeClient stripe, HttpMethod method, string resource, CancellationToken ct)
    {
        try
        {
            await stripe.RawRequestAsync(method, $"/v1/{resource}/{ProbeId}", method == HttpMethod.Post ? "" : null, cancellationToken: ct);
            return KeyAccess.Allowed;
        }
        catch (StripeException ex) when (ex.HttpStatusCode == HttpStatusCode.Unauthorized)
        {
            throw new InvalidKeyException(StripeFailures.Scrub(ex.StripeError?.Message ?? ex.Message));
        }
        catch (StripeException ex)
        {
            return ex.HttpStatusCode switch
            {
                HttpStatusCode.Forbidden => KeyAccess.Refused,
                HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => KeyAccess.Unknown,
                // 404 (no such object) or 400 (a request Stripe read and rejected): past the permission check.
                _ => KeyAccess.Allowed,
            };
        }
        catch (Exception ex) when (StripeFailures.IsNoAnswer(ex, ct))
        {
            return KeyAccess.Unknown;
        }
    }
}

/// <summary>Stripe does not know the key at all (401).</summary>
public sealed class InvalidKeyException(string message) : Exception(message);
