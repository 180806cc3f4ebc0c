using System.Text.Json.Nodes;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds payment method objects: cards, and bank accounts for direct debits.</summary>
internal static class PaymentMethodJson
{
    public static JsonObject Create(string id, string? customer, string brand, string last4, int expMonth, int expYear, long now) => new()
    {
        ["id"] = id,
        ["object"] = "payment_method",
        ["allow_redisplay"] = "unspecified",
        ["billing_details"] = new JsonObject
        {
            ["address"] = EmptyAddress(),
            ["email"] = null,
            ["name"] = null,
            ["phone"] = null,
            ["tax_id"] = null,
        },
        ["card"] = new JsonObject
        {
            ["brand"] = brand,
            ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
            ["country"] = "US",
            ["display_brand"] = brand,
            ["exp_month"] = expMonth,
            ["exp_year"] = expYear,
            ["fingerprint"] = "sim" + last4 + brand,
            ["funding"] = "credit",
            ["generated_from"] = null,
            ["last4"] = last4,
            ["networks"] = new JsonObject { ["available"] = new JsonArray(brand), ["preferred"] = null },
            ["regulated_status"] = "unregulated",
            ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
            ["wallet"] = null,
        },
        ["created"] = now,
        ["customer"] = customer,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["type"] = "card",
    };

    /// <summary>A US bank account (ACH Direct Debit): its payments stay <c>processing</c> for days before they succeed.</summary>
    public static JsonObject BankAccount(string id, string? customer, string last4, long now)
    {
        var pm = Create(id, customer, "visa", last4, 1, 2000, now);
        pm.Remove("card");
        pm["type"] = "us_bank_account";
        pm["us_bank_account"] = new JsonObject
        {
            ["account_holder_type"] = "individual",
            ["account_type"] = "checking",
            ["bank_name"] = "STRIPE TEST BANK",
            ["financial_connections_account"] = null,
            ["fingerprint"] = "simbank" + last4,
            ["last4"] = last4,
            ["networks"] = new JsonObject { ["preferred"] = "ach", ["supported"] = new JsonArray("ach") },
            ["routing_number"] = "110000000",
            ["status_details"] = new JsonObject(),
        };
        return pm;
    }

    public static JsonObject EmptyAddress() => new()
    {
        ["city"] = null,
        ["country"] = null,
        ["line1"] = null,
        ["line2"] = null,
        ["postal_code"] = null,
        ["state"] = null,
    };
}
