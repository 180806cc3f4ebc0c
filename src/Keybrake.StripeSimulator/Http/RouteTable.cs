namespace Keybrake.StripeSimulator.Http;

/// <summary>One API endpoint: method, path pattern, the key permission it needs and its handler.</summary>
internal sealed record Route(string Method, string[] Segments, string Resource, bool Write, Func<ApiRequest, ApiResult> Handler);

/// <summary>The simulator's endpoints, matched in registration order so literal segments win over ids.</summary>
internal sealed class RouteTable
{
    private readonly List<Route> _routes = [];

    public void Get(string pattern, string resource, Func<ApiRequest, ApiResult> handler) => Add("GET", pattern, resource, false, handler);

    public void Post(string pattern, string resource, Func<ApiRequest, ApiResult> handler, bool write = true) =>
        Add("POST", pattern, resource, write, handler);

    public void Delete(string pattern, string resource, Func<ApiRequest, ApiResult> handler) => Add("DELETE", pattern, resource, true, handler);

    private void Add(string method, string pattern, string resource, bool write, Func<ApiRequest, ApiResult> handler) =>
        _routes.Add(new Route(method, pattern.Trim('/').Split('/'), resource, write, handler));

    public (Route Route, string? Id)? Match(string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        foreach (var route in _routes)
        {
            if (route.Method != method || route.Segments.Length != segments.Length)
            {
                continue;
            }
            string? id = null;
            var matched = true;
            for (var i = 0; i < segments.Length && matched; i++)
            {
                if (route.Segments[i] == "{id}")
                {
                    id = Uri.UnescapeDataString(segments[i]);
                    matched = id.Length > 0;
                }
                else
                {
                    matched = route.Segments[i] == segments[i];
                }
            }
            if (matched)
            {
                return (route, id);
            }
        }
        return null;
    }
}
