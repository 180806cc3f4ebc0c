using System.Text.Json.Nodes;
using static Keybrake.Mcp.Stripe.Tools.ToolSchemas;

namespace Keybrake.Mcp.Stripe;

/// <summary>Output schemas matching <see cref="StripeJson"/>.</summary>
public static class StripeSchemas
{
    public static JsonObject PaymentIntent() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["amount"] = Prop("integer", "minor units"),
        ["amount_capturable"] = Prop("integer"),
        ["amount_received"] = Prop("integer"),
        ["currency"] = Prop("string"),
        ["status"] = Prop("string"),
        ["capture_method"] = Nullable("string"),
        ["customer"] = Nullable("string"),
        ["latest_charge"] = Nullable("string"),
        ["created"] = Prop("integer"),
    };

    public static JsonObject Charge() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["amount"] = Prop("integer", "minor units"),
        ["amount_captured"] = Prop("integer"),
        ["amount_refunded"] = Prop("integer"),
        ["refundable"] = Prop("integer", "amount - amount_refunded: what a refund can still return"),
        ["currency"] = Prop("string"),
        ["status"] = Prop("string"),
        ["captured"] = Prop("boolean"),
        ["refunded"] = Prop("boolean"),
        ["customer"] = Nullable("string"),
        ["payment_intent"] = Nullable("string"),
        ["created"] = Prop("integer"),
    };

    public static JsonObject Refund() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["amount"] = Prop("integer", "minor units"),
        ["currency"] = Prop("string"),
        ["status"] = Prop("string", "succeeded, pending (requested, may still fail), failed, canceled"),
        ["reason"] = Nullable("string"),
        ["charge"] = Nullable("string"),
        ["payment_intent"] = Nullable("string"),
        ["created"] = Prop("integer"),
    };

    public static JsonObject Customer() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["name"] = Nullable("string"),
        ["email"] = Nullable("string"),
        ["currency"] = Nullable("string"),
        ["delinquent"] = Prop("boolean"),
        ["created"] = Prop("integer"),
    };

    public static JsonObject Subscription() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["customer"] = Nullable("string"),
        ["status"] = Prop("string"),
        ["currency"] = Nullable("string"),
        ["cancel_at_period_end"] = Prop("boolean"),
        ["items"] = new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["id"] = Prop("string"),
                    ["price"] = Prop("string"),
                    ["unit_amount"] = Nullable("integer"),
                    ["quantity"] = Prop("integer"),
                },
            },
        },
        ["created"] = Prop("integer"),
        ["trial_end"] = Nullable("integer", "unix seconds; set while the subscription is or was trialing"),
        ["cancel_at"] = Nullable("integer", "unix seconds at which the subscription will be canceled"),
        ["canceled_at"] = Nullable("integer", "unix seconds"),
        ["pause_collection"] = Nullable(new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["behavior"] = Prop("string", "keep_as_draft, mark_uncollectible or void"),
                ["resumes_at"] = Nullable("integer", "unix seconds"),
            },
        }, "set while payment collection is paused"),
    };

    public static JsonObject Price() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["active"] = Prop("boolean"),
        ["currency"] = Prop("string"),
        ["unit_amount"] = Nullable("integer"),
        ["nickname"] = Nullable("string"),
        ["product"] = Nullable("string"),
        ["interval"] = Nullable("string"),
    };

    public static JsonObject PaymentMethod() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["type"] = Prop("string"),
        ["customer"] = Nullable("string"),
        ["card"] = Nullable(new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["brand"] = Prop("string"),
                ["last4"] = Prop("string"),
                ["exp_month"] = Prop("integer"),
                ["exp_year"] = Prop("integer"),
                ["funding"] = Prop("string"),
            },
        }),
        ["billing_details"] = Prop("object"),
        ["created"] = Prop("integer"),
    };

    public static JsonObject Invoice() => new()
    {
        ["id"] = Prop("string"),
        ["object"] = Prop("string"),
        ["customer"] = Nullable("string"),
        ["subscription"] = Nullable("string", "the subscription that billed this invoice, if any"),
        ["status"] = Nullable("string", "draft, open, paid, uncollectible or void"),
        ["currency"] = Prop("string"),
        ["amount_due"] = Prop("integer", "minor units"),
        ["amount_paid"] = Prop("integer", "minor units"),
        ["amount_remaining"] = Prop("integer", "minor units still to be paid"),
        ["total"] = Prop("integer", "minor units"),
        ["due_date"] = Nullable("integer", "Unix time; null when the invoice is charged automatically"),
        ["attempt_count"] = Prop("integer", "payment attempts so far"),
        ["created"] = Prop("integer"),
    };

    /// <summary>
    /// The output schema of a tool: its success shape, or the contract's error shape. Clients such as the official
    /// TypeScript SDK validate <c>structuredContent</c> against it on every result, refusals included.
    /// </summary>
    public static JsonObject ObjectOf(JsonObject properties, params string[] required)
    {
        properties["error"] = ErrorShape();
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Length > 0)
        {
            schema["anyOf"] = new JsonArray(
                new JsonObject { ["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]) },
                new JsonObject { ["required"] = new JsonArray("error") });
        }

        return schema;
    }

    /// <summary>The output schema of a list tool: a page of items and whether more follow.</summary>
    public static JsonObject PageOf(JsonObject itemProperties) => ObjectOf(new JsonObject
    {
        ["data"] = new JsonObject { ["type"] = "array", ["items"] = ItemOf(itemProperties, "id") },
        ["has_more"] = Prop("boolean"),
    }, "data", "has_more");

    /// <summary>An item of a list: the object's shape alone.</summary>
    public static JsonObject ItemOf(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return schema;
    }

    private static JsonObject ErrorShape() => new()
    {
        ["type"] = "object",
        ["description"] = "Present when the call was refused or failed (isError): code is one of the contract's refusal codes.",
        ["properties"] = new JsonObject
        {
            ["code"] = Prop("string"),
            ["message"] = Prop("string"),
        },
        ["required"] = new JsonArray("code", "message"),
    };
}
