using System.Text.Json.Nodes;
using Keybrake.StripeSimulator.State;

namespace Keybrake.StripeSimulator.Http;

/// <summary>What a handler sees of one request: its parameters, the path id and the account state.</summary>
internal sealed record ApiRequest(string Method, string Path, string? Id, FormParams Form, ObjectStore Store, SimulatedAccount Account)
{
    public string RequiredId => Id ?? throw new InvalidOperationException("Route has no id segment.");
}

/// <summary>A handler's answer: HTTP status and JSON body.</summary>
internal sealed record ApiResult(int Status, JsonNode Body)
{
    public static ApiResult Ok(JsonNode body) => new(200, body);
}
