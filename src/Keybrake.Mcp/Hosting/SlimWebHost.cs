using Microsoft.AspNetCore.Builder;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keybrake.Mcp.Hosting;

/// <summary>The web host both HTTP surfaces start from (<c>serve --http</c> and <c>console</c>): configured here and nowhere else.</summary>
internal static class SlimWebHost
{
    private const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    /// <summary>Largest request body accepted; tool arguments and console forms are small, so anything bigger is abuse.</summary>
    public const long MaxRequestBodyBytes = 1 << 20;

    public static WebApplicationBuilder CreateBuilder(string urls, IReadOnlyList<string> allowedHosts, Action<ILoggingBuilder> logging)
    {
        // No reload on change: its file watcher would watch the working folder (and every ledger write in it) recursively.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload] });
        // appsettings files or ASPNETCORE_ variables of the working folder must not reconfigure a security boundary.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        logging(builder.Logging);
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        // Authentication registers data protection, whose default key ring is a folder in the user's home, created with a
        // warning on first start. Nothing here protects data that must outlive the process (console sessions live in the
        // ledger), so the key ring lives in memory: no file in anyone's home.
        builder.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = new InMemoryKeyRing());
                builder.Services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = [.. allowedHosts];
            o.AllowEmptyHosts = false;
        });
        return builder;
    }

    /// <summary>Hosts a loopback-bound server answers to: the names that resolve to it, nothing a rebinding attacker controls.</summary>
    public static IReadOnlyList<string> LoopbackHosts => ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>True when every URL of a <c>--urls</c> value is a loopback address.</summary>
    public static bool IsLoopbackOnly(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .All(url => Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost"));

    /// <summary>A data-protection key ring that is never written anywhere.</summary>
    private sealed class InMemoryKeyRing : IXmlRepository
    {
        private readonly List<XElement> _keys = [];

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (_keys)
            {
                return [.. _keys];
            }
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (_keys)
            {
                _keys.Add(element);
            }
        }
    }
}
