using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Calls;

/// <summary>
/// A local stand-in for Twilio's REST API on 127.0.0.1: <c>POST /2010-04-01/Accounts/{sid}/Calls.json</c> answers a new
/// call resource as Twilio does, and <c>GET /2010-04-01/Accounts/{sid}/Recordings/{RecordingSid}</c> serves the audio the
/// test put there. Both demand HTTP Basic auth of the account, as Twilio does (a wrong one gets 401).
/// </summary>
internal sealed class FakeTwilioVoice : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Request(string Method, string Path, string? Authorization, string? ContentType, IReadOnlyList<KeyValuePair<string, string>> Form);

    private FakeTwilioVoice(WebApplication app, string sid, string token)
    {
        _app = app;
        AccountSid = sid;
        AuthToken = token;
    }

    public string AccountSid { get; }
    public string AuthToken { get; }
    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<Request> Requests { get; } = new();
    /// <summary>The audio served per recording sid.</summary>
    public ConcurrentDictionary<string, byte[]> Audio { get; } = new();
    /// <summary>While set, recording downloads wait for it (a download in flight when the test kills Herald).</summary>
    public TaskCompletionSource? HoldDownloads { get; set; }
    /// <summary>Downloads begun (counted before any hold).</summary>
    public int DownloadsStarted;

    public string RecordingUrl(string recordingSid) => $"{BaseUrl}/2010-04-01/Accounts/{AccountSid}/Recordings/{recordingSid}";

    public static async Task<FakeTwilioVoice> StartAsync(string accountSid, string authToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilioVoice(app, accountSid, authToken);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return fake;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var form = ctx.Request.HasFormContentType
            ? (await ctx.Request.ReadFormAsync()).SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v!))).ToList()
            : [];
        string path = ctx.Request.Path.Value!;
        string? auth = ctx.Request.Headers.Authorization.FirstOrDefault();
        Requests.Enqueue(new Request(ctx.Request.Method, path, auth, ctx.Request.ContentType, form));
        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"));
        if (auth != expected)
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("""{"code":20003,"message":"Authenticate","status":401}""");
            return;
        }
        string prefix = $"/2010-04-01/Accounts/{AccountSid}/";
        if (ctx.Request.Method == "POST" && path == prefix + "Calls.json")
        {
            string callSid = "CA" + Guid.NewGuid().ToString("n");
            string to = form.FirstOrDefault(p => p.Key == "To").Value, from = form.FirstOrDefault(p => p.Key == "From").Value;
            ctx.Response.StatusCode = 201;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($$"""{"sid":"{{callSid}}","account_sid":"{{AccountSid}}","to":"{{to}}","from":"{{from}}","status":"queued","direction":"outbound-api"}""");
            return;
        }
        if (ctx.Request.Method == "GET" && path.StartsWith(prefix + "Recordings/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref DownloadsStarted);
            if (HoldDownloads is { } hold) await hold.Task.WaitAsync(ctx.RequestAborted);
            if (!Audio.TryGetValue(path[(prefix.Length + "Recordings/".Length)..], out var audio))
            {
                ctx.Response.StatusCode = 404;
                return;
            }
            ctx.Response.ContentType = "audio/x-wav";
            ctx.Response.ContentLength = audio.Length;
            await ctx.Response.Body.WriteAsync(audio);
            return;
        }
        ctx.Response.StatusCode = 404;
    }

    /// <summary>PocketSphinx's test clip "go forward ten meters" (16 kHz, 16-bit mono raw) as a WAV file.</summary>
    public static byte[] GoForwardWav() => Wav(File.ReadAllBytes("/usr/share/pocketsphinx/test/data/goforward.raw"), 16_000);

    /// <summary>16-bit mono PCM samples behind a canonical 44-byte WAV header.</summary>
    public static byte[] Wav(byte[] pcm, int rate)
    {
        using var m = new MemoryStream();
        using var w = new BinaryWriter(m);
        w.Write("RIFF"u8);
        w.Write(36 + pcm.Length);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(pcm.Length);
        w.Write(pcm);
        w.Flush();
        return m.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        HoldDownloads?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
