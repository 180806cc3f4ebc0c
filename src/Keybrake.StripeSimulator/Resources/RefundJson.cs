using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Resources;

/// <summary>Builds refund objects (card refunds succeed at once in test mode).</summary>
internal static class RefundJson
{
    public static JsonObject Create(string id, long amount, JsonObject charge, string? reason, JsonObject metadata, long now) => new()
    {
        ["id"] = id,
        ["object"] = "refund",
        ["amount"] = amount,
        ["balance_transaction"] = StripeIds.New("txn"),
        ["charge"] = charge["id"]!.DeepClone(),
        ["created"] = now,
        ["currency"] = charge["currency"]!.DeepClone(),
        ["destination_details"] = new JsonObject
        {
            ["card"] = new JsonObject { ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" },
            ["type"] = "card",
        },
        ["metadata"] = metadata,
        ["payment_intent"] = charge["payment_intent"]?.DeepClone(),
        ["reason"] = reason,
        ["receipt_number"] = null,
        ["source_transfer_reversal"] = null,
        ["status"] = "succeeded",
        ["transfer_reversal"] = null,
    };
}
