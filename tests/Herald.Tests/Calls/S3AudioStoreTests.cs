using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Herald.Backup;
using Herald.Outbound;
using Herald.Recordings;
using Herald.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>Recordings' audio in an S3-compatible bucket (<c>Herald:Recordings:AudioStore=s3</c>) on a real s3rver.</summary>
public sealed class S3AudioStoreTests : IAsyncLifetime
{
    private const string Bucket = "herald-audio";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-tests", "s3-audio-" + Guid.NewGuid().ToString("n"));
    private S3rverServer _s3 = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _s3 = await S3rverServer.StartAsync(Bucket);
    }

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task The_store_keeps_a_streamed_upload_and_reads_it_back_whole_and_from_any_offset()
    {
        using var store = new S3AudioStore(_s3.Bucket(Bucket, "audio/"), _work);
        var bytes = RandomNumberGenerator.GetBytes(2_500_000); // three 1 MiB blocks, the last one partial
        await using (var upload = new NonSeekable(bytes)) Assert.Equal(bytes.Length, await store.PutAsync("recordings/7/rec_a.wav", upload, default));
        Assert.Empty(Directory.EnumerateFiles(_work, ".audio-*"));

        await using var read = await store.OpenReadAsync("recordings/7/rec_a.wav", default);
        Assert.NotNull(read);
        Assert.True(read.CanSeek);
        Assert.Equal(bytes.Length, read.Length);
        using (var whole = new MemoryStream())
        {
            await read.CopyToAsync(whole);
            Assert.Equal(bytes, whole.ToArray());
        }
        // Across a block boundary, backwards, and at the end.
        foreach (long offset in new long[] { 1024 * 1024 - 10, 44, bytes.Length - 5 })
        {
            read.Seek(offset, SeekOrigin.Begin);
            var part = new byte[Math.Min(20, bytes.Length - offset)];
            await read.ReadExactlyAsync(part);
            Assert.Equal(bytes.AsSpan((int)offset, part.Length).ToArray(), part);
        }
        Assert.Equal(0, await read.ReadAsync(new byte[1]));

        Assert.Null(await store.OpenReadAsync("recordings/7/none.wav", default));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync("../herald.db", default));
        using var bucket = _s3.Bucket(Bucket);
        Assert.Equal(bytes.Length, (await bucket.HeadAsync("audio/recordings/7/rec_a.wav", default))!.Value.Length);
    }

    [Fact]
    public async Task A_recording_is_downloaded_into_the_bucket_transcribed_from_it_and_served_with_ranges()
    {
        var settings = _s3.Settings(S3AudioStore.Setting, Bucket, "herald/");
        settings["Herald:Recordings:AudioStore"] = "s3";
        settings[OutboundPolicy.AllowListSetting] = "127.0.0.1";
        settings["Herald:Recordings:AllowedHosts"] = "127.0.0.1";
        await using var server = await HeraldServer.StartAsync(settings);
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        byte[] audio = FakeTwilioVoice.GoForwardWav();
        string sid = "RE" + new string('5', 32);
        twilio.Audio[sid] = audio;
        Assert.True((await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Team.Id}/webhooks/twilio-voice", new { secret = twilio.AuthToken })).IsSuccessStatusCode);
        var form = CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid));
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", form, authToken: twilio.AuthToken)).StatusCode);

        var done = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
        Assert.True(S(done, "processing_status") == "completed", done.ToJsonString());
        Assert.Equal("go forward ten meters", S(done["transcription"]!, "text"));

        // The audio is in the bucket, not under the data directory.
        using var bucket = _s3.Bucket(Bucket, "herald/");
        string key = (string)server.StoredValue("SELECT audio_key FROM recordings WHERE public_id = $id", ("$id", S(done, "id")))!;
        Assert.EndsWith($"/{S(done, "id")}.wav", key);
        var stored = (await bucket.GetAsync(key, null, default))!.Value;
        using (var copy = new MemoryStream())
        {
            await using (stored.Body) await stored.Body.CopyToAsync(copy);
            Assert.Equal(audio, copy.ToArray());
        }
        Assert.False(Directory.Exists(Path.Combine(server.DataDir, "recordings")) && Directory.EnumerateFiles(Path.Combine(server.DataDir, "recordings"), "*", SearchOption.AllDirectories).Any());

        var whole = await team.Client.GetAsync(S(done, "audio_url"));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(audio, await whole.Content.ReadAsByteArrayAsync());
        var partial = new HttpRequestMessage(HttpMethod.Get, S(done, "audio_url"));
        partial.Headers.Range = new RangeHeaderValue(44, 143);
        var ranged = await team.Client.SendAsync(partial);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal(audio[44..144], await ranged.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 44-143/{audio.Length}", ranged.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public void An_audio_store_setting_that_cannot_work_stops_the_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new RecordingOptions { AudioStore = "tape" }.Validate());
        Assert.Contains("Herald:Recordings:AudioStore", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => new S3Bucket(new S3StoreOptions(), new OutboundConnector(OutboundPolicy.Default, NullLogger<OutboundConnector>.Instance), S3AudioStore.Setting));
        Assert.Contains("Herald:Recordings:S3:Bucket", e.Message);
    }

    /// <summary>An upload stream that cannot seek or tell its length, as a download's body is.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
