using Keybrake.Mcp.Manifests;
using Stripe;

namespace Keybrake.Mcp.Stripe;

/// <summary>
/// At start, reads one item of each resource the role's tools need, so a key that lacks a permission is reported
/// to the operator now (Stripe's 403 names it) rather than to an agent mid-task. Reads only: nothing changes.
/// </summary>
public sealed class KeyPermissionProbe(StripeClients clients)
{
    private static readonly Dictionary<string, Func<StripeClient, CancellationToken, Task>> Probes = new()
    {
        ["charges"] = (s, ct) => s.V1.Charges.ListAsync(new ChargeListOptions { Limit = 1 }, cancellationToken: ct),
        ["customers"] = (s, ct) => s.V1.Customers.ListAsync(new CustomerListOptions { Limit = 1 }, cancellationToken: ct),
        ["payment_intents"] = (s, ct) => s.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Limit = 1 }, cancellationToken: ct),
        ["refunds"] = (s, ct) => s.V1.Refunds.ListAsync(new RefundListOptions { Limit = 1 }, cancellationToken: ct),
        ["subscriptions"] = (s, ct) => s.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Limit = 1 }, cancellationToken: ct),
        ["prices"] = (s, ct) => s.V1.Prices.ListAsync(new PriceListOptions { Limit = 1 }, cancellationToken: ct),
        ["invoices"] = (s, ct) => s.V1.Invoices.ListAsync(new InvoiceListOptions { Limit = 1 }, cancellationToken: ct),
    };

    /// <summary>One line per problem found, each naming what to do; empty when every probe passed.</summary>
    public async Task<IReadOnlyList<string>> FindProblemsAsync(RoleManifest role, CancellationToken ct)
    {
        var problems = new List<string>();
        var stripe = clients.For(role);
        foreach (var resource in StripePermissions.Plan(role).Select(p => p.Split(':')[0]).Where(Probes.ContainsKey))
        {
            try
            {
                await Probes[resource](stripe, ct);
            }
            catch (StripeException ex) when (ex.HttpStatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized)
            {
                problems.Add($"role '{role.Role}': Stripe refused reading {resource} with the role's key: {StripeFailures.Scrub(ex.StripeError?.Message ?? ex.Message)} " +
                             $"Run 'keybrake-mcp keys plan {role.Role}' for the permissions the key needs.");
                if (ex.HttpStatusCode == System.Net.HttpStatusCode.Unauthorized)
                {
                    break;
                }
            }
            catch (Exception ex) when (StripeFailures.IsNoAnswer(ex, ct))
            {
                problems.Add($"role '{role.Role}': could not reach Stripe to check the key's permissions ({ex.GetType().Name})");
                break;
            }
        }

        return problems;
    }
}
