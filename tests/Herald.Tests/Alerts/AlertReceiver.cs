using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Alerts;

/// <summary>A real HTTP endpoint on 127.0.0.1 (Kestrel) recording every request with its headers and raw body.</summary>
public sealed class AlertReceiver : IAsyncDisposable
{
    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }

    private readonly WebApplication _app;

    private AlertReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<Received> Requests { get; } = new();
    public string Url { get; private set; } = "";
    /// <summary>How many of the next requests answer 503 (to exercise retries).</summary>
    public int FailNext;
    /// <summary>When set, every request answers 302 Found with this Location.</summary>
    public string? RedirectTo;

    public static async Task<AlertReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new AlertReceiver(app);
        app.Run(async ctx =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            receiver.Requests.Enqueue(new Received(ctx.Request.Method, ctx.Request.Path, headers, ms.ToArray()));
            if (receiver.RedirectTo is { } location)
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = location;
                return;
            }
            ctx.Response.StatusCode = Interlocked.Decrement(ref receiver.FailNext) >= 0 ? 503 : 204;
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hooks/alerts";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
