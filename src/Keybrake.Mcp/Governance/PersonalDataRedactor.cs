using System.Text.Json.Nodes;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Removes personal data from read results when the role asks for it (<c>redactPersonalData</c>): what identifies or
/// locates a person, and card details beyond brand and last4. Ids, amounts and statuses stay, so numbers still add up.
/// </summary>
public static class PersonalDataRedactor
{
    private const string Redacted = "[redacted]";

    private static readonly HashSet<string> PersonalFields = new(StringComparer.Ordinal)
    {
        "email", "name", "phone", "address", "shipping", "billing_details", "description",
        "receipt_email", "customer_email", "customer_name", "customer_phone", "customer_address", "customer_shipping",
    };

    // Card fields that say nothing about the person are kept; everything else in a card goes.
    private static readonly HashSet<string> KeptCardFields = new(StringComparer.Ordinal) { "brand", "last4" };

    public static JsonObject Redact(JsonObject result)
    {
        var copy = (JsonObject)result.DeepClone();
        Walk(copy);
        return copy;
    }

    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (PersonalFields.Contains(key) && obj[key] is not null)
                    {
                        obj[key] = Redacted;
                    }
                    else if (key == "card" && obj[key] is JsonObject card)
                    {
                        foreach (var field in card.Select(p => p.Key).Where(f => !KeptCardFields.Contains(f)).ToList())
                        {
                            card.Remove(field);
                        }
                    }
                    else
                    {
                        Walk(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item);
                }

                break;
        }
    }
}
