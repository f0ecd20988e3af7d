using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Calls;

/// <summary>
/// A local stand-in for OpenAI's API on 127.0.0.1, under <c>/v1</c>: <c>POST /v1/audio/transcriptions</c> (multipart, as
/// OpenAI takes it) answers the verbose transcription the test set, and <c>POST /v1/chat/completions</c> answers a chat
/// completion whose message is the analysis JSON the test set. Both demand the bearer key, as OpenAI does (401 otherwise),
/// and keep what they were sent.
/// </summary>
internal sealed class FakeOpenAi : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Transcription(string Model, string? ResponseFormat, string? Granularity, string FileName, byte[] Audio);

    private FakeOpenAi(WebApplication app, string key)
    {
        _app = app;
        Key = key;
    }

    public string Key { get; }
    public string Endpoint { get; private set; } = "";
    public ConcurrentQueue<Transcription> Transcriptions { get; } = new();
    public ConcurrentQueue<JsonNode> ChatRequests { get; } = new();
    public int Unauthorized;
    /// <summary>The verbose_json body the transcription endpoint answers.</summary>
    public string TranscriptionAnswer { get; set; } = "{}";
    /// <summary>The assistant message (the analysis JSON text) the chat endpoint answers.</summary>
    public string ChatAnswer { get; set; } = "{}";

    public static async Task<FakeOpenAi> StartAsync(string key)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeOpenAi(app, key);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/v1";
        return fake;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Headers.Authorization.FirstOrDefault() != $"Bearer {Key}")
        {
            Interlocked.Increment(ref Unauthorized);
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsJsonAsync(new { error = new { message = "Incorrect API key provided", type = "invalid_request_error", code = "invalid_api_key" } });
            return;
        }
        string path = ctx.Request.Path.Value!;
        if (ctx.Request.Method == "POST" && path == "/v1/audio/transcriptions" && ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync();
            var file = form.Files["file"];
            using var buffer = new MemoryStream();
            if (file is not null) await file.CopyToAsync(buffer);
            Transcriptions.Enqueue(new Transcription(form["model"].ToString(), form["response_format"].FirstOrDefault(), form["timestamp_granularities[]"].FirstOrDefault(),
                file?.FileName ?? "", buffer.ToArray()));
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(TranscriptionAnswer);
            return;
        }
        if (ctx.Request.Method == "POST" && path == "/v1/chat/completions")
        {
            var body = await JsonNode.ParseAsync(ctx.Request.Body);
            ChatRequests.Enqueue(body!);
            var answer = new JsonObject
            {
                ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("n"),
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = body!["model"]!.GetValue<string>(),
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = ChatAnswer },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 120, ["completion_tokens"] = 60, ["total_tokens"] = 180 },
            };
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer.ToJsonString());
            return;
        }
        ctx.Response.StatusCode = 404;
        await ctx.Response.WriteAsJsonAsync(new { error = new { message = $"Unknown request URL: {ctx.Request.Method} {path}" } });
    }

    /// <summary>Whisper's verbose_json answer for a text in timed segments with their mean log probabilities.</summary>
    public static string VerboseTranscription(string language, params (string Text, double Start, double End, double AvgLogprob)[] segments) =>
        JsonSerializer.Serialize(new
        {
            task = "transcribe", language, duration = segments.Length == 0 ? 0 : segments[^1].End,
            text = string.Join(" ", segments.Select(s => s.Text)),
            segments = segments.Select((s, i) => new
            {
                id = i, seek = 0, start = s.Start, end = s.End, text = s.Text, tokens = new[] { 50364 + i }, temperature = 0.0,
                avg_logprob = s.AvgLogprob, compression_ratio = 1.2, no_speech_prob = 0.01,
            }),
        });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
