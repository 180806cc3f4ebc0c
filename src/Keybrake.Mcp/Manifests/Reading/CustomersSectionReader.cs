using System.Collections.Immutable;

namespace Keybrake.Mcp.Manifests.Reading;

/// <summary>Reads <c>customers</c>, the optional record scope: absent means any customer, so an empty list is a mistake.</summary>
internal static class CustomersSectionReader
{
    public static ImmutableHashSet<string>? Read(ManifestNode? node, FileDiagnostics diagnostics)
    {
        var customers = ManifestValues.StringSet(
            node,
            diagnostics,
            "customers",
            "[\"cus_A\", \"cus_B\"]",
            (item, id) =>
            {
                if (ManifestPatterns.CustomerRegex().IsMatch(id))
                {
                    return true;
                }

                diagnostics.Report(item.Path, $"\"{StripeIdFormat.Show(id)}\" is not a Stripe customer id: {StripeIdFormat.Rule}, e.g. \"cus_NffrFeUfNV2Hib\"");
                return false;
            },
            whenEmpty: " (remove the field to allow any customer)");
        return customers?.Select(c => c.Text).ToImmutableHashSet(StringComparer.Ordinal);
    }
}
