using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Support;

/// <summary>A local HTTP endpoint on 127.0.0.1 that records every request and answers what the test sets.</summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Recorded(string Method, string Path, string? Authorization, string? ContentType, string? Accept, string Body);

    private FakeTwilio(WebApplication app) => _app = app;

    public ConcurrentQueue<Recorded> Requests { get; } = new();
    public string BaseUrl { get; private set; } = "";

    /// <summary>What the next requests get: status, JSON body, and a delay before answering.</summary>
    public (int Status, string Body, TimeSpan Delay) Response { get; set; } = (200, "{}", TimeSpan.Zero);

    public static async Task<FakeTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            fake.Requests.Enqueue(new Recorded(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString,
                ctx.Request.Headers.Authorization.ToString(), ctx.Request.ContentType, ctx.Request.Headers.Accept.ToString(), body));
            var (status, json, delay) = fake.Response;
            if (delay > TimeSpan.Zero)
            {
                try { await Task.Delay(delay, ctx.RequestAborted); } catch (OperationCanceledException) { return; }
            }
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(json);
        });
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
