using System.Net;
using System.Text.RegularExpressions;
using Herald.Recordings;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>
/// The whisper transcriber: Whisper.net's native whisper.cpp runtime loads a ggml model the test writes (a tiny one, since no
/// real model can be fetched here) and runs on real speech (pocketsphinx-testdata's goforward.raw) served as a Twilio
/// recording; a model that is missing, not a model, or one whisper.cpp refuses stops the start, naming the setting.
/// </summary>
public sealed partial class WhisperRecordingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herald-whisper-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Model(bool badShape = false, bool float32 = false)
    {
        string path = Path.Combine(_folder, $"ggml-tiny-test{(badShape ? "-bad-shape" : "")}{(float32 ? "-f32" : "")}.en.bin");
        TinyWhisperModel.Write(path, badShape, float32);
        return path;
    }

    [Fact]
    public async Task A_real_speech_recording_runs_through_whisper_net_and_records_language_confidence_and_processing_time()
    {
        // The issue's name for the setting; naming a model selects the whisper transcriber.
        await using var server = await HeraldServer.StartAsync(new()
        {
            [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1",
            ["Herald:Recordings:AllowedHosts"] = "127.0.0.1",
            ["Herald:Recordings:MaxAttempts"] = "1",
            [RecordingOptions.WhisperModelPathAlias] = Model(),
        });
        Assert.IsType<WhisperTranscriber>(server.Services.GetService(typeof(ITranscriber)));
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        string sid = "RE" + new string('7', 32);
        twilio.Audio[sid] = FakeTwilioVoice.GoForwardWav();
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid)))).StatusCode);

        var done = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
        Assert.True(S(done, "processing_status") == "completed", done.ToJsonString());
        var transcription = done["transcription"]!;
        // An English-only model (51864 tokens) hears English.
        Assert.Equal("en", S(transcription, "language"));
        Assert.True(transcription["processing_time"]!.GetValue<double>() > 0, transcription.ToJsonString());
        Assert.InRange(transcription["confidence"]!.GetValue<double>(), 0, 1);
        // Random weights hear nothing useful, but whatever they say is decoded from the model's own vocabulary.
        string text = S(transcription, "text");
        Assert.True(text.Length == 0 || OwnTokens().IsMatch(text), text);
        var onCall = await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}");
        Assert.Equal(text, onCall["transcription"]?.GetValue<string>() ?? "");
    }

    [Fact]
    public async Task A_missing_or_corrupt_model_stops_the_start_naming_the_setting()
    {
        Task<HeraldServer> Start(string? path, string? transcriber = null) => HeraldServer.StartAsync(new()
        {
            [RecordingOptions.WhisperModelPathSetting] = path,
            ["Herald:Recordings:Transcriber"] = transcriber,
        });

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => Start(Path.Combine(_folder, "absent.bin")));
        Assert.Contains($"{RecordingOptions.WhisperModelPathSetting} names '{Path.Combine(_folder, "absent.bin")}', which is not a file", missing.Message);

        string junk = Path.Combine(_folder, "junk.bin");
        await File.WriteAllTextAsync(junk, "this is not a model, just text long enough to have a header's worth of bytes in it");
        Assert.Contains("is not a ggml Whisper model", (await Assert.ThrowsAsync<InvalidOperationException>(() => Start(junk))).Message);

        // A ggml file whose header is right but one tensor's shape is not: whisper.cpp's own loader refuses it.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Start(Model(badShape: true)));
        Assert.Contains($"{RecordingOptions.WhisperModelPathSetting}: whisper.cpp could not load", refused.Message);

        // A 32-bit model loads, but whisper.cpp's convolution asserts 16-bit weights and would abort the process at the first recording.
        Assert.Contains("is a 32-bit float model, which whisper.cpp cannot run",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => Start(Model(float32: true)))).Message);

        Assert.Contains("needs Herald:Recordings:WhisperModelPath",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => Start(null, "whisper"))).Message);
        Assert.Contains("set it to whisper, or remove the model path",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => Start(Model(), "pocketsphinx"))).Message);
    }

    [GeneratedRegex(@"^t\d+(\s+t\d+)*$")]
    private static partial Regex OwnTokens();
}
