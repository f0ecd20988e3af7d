using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>
/// The recording pipeline end to end over real HTTP: Twilio's recording callback, the download from a fake Twilio on the
/// allow-list, PocketSphinx on real speech (pocketsphinx-testdata's goforward.raw), the analysis, and the audio route.
/// </summary>
public sealed class RecordingsTests(CallsServer shared) : IClassFixture<CallsServer>
{
    private HeraldServer Server => shared.Server;

    [Fact]
    public async Task A_recording_of_real_speech_is_downloaded_transcribed_analysed_and_served_with_ranges()
    {
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        string deliveryId = S(delivery, "id");
        var call = await team.Call(deliveryId);
        byte[] audio = FakeTwilioVoice.GoForwardWav();
        twilio.Audio["RE" + new string('1', 32)] = audio;
        // Recording callbacks are signed with the account's auth token, as the call's are; with the secret set an unsigned one is refused.
        Assert.True((await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Team.Id}/webhooks/twilio-voice", new { secret = twilio.AuthToken })).IsSuccessStatusCode);
        var form = CallTeam.RecordingForm(S(call, "call_sid"), "RE" + new string('1', 32), twilio.RecordingUrl("RE" + new string('1', 32)));
        await Kit.AssertError(await team.PostCallback("twilio-recording", form), HttpStatusCode.Unauthorized, field: "X-Twilio-Signature");
        await Kit.AssertError(await team.PostCallback("twilio-recording", form, authToken: "not-the-token"), HttpStatusCode.Unauthorized);
        Assert.Empty((await Kit.GetData(team.Client, $"/api/v1/recordings?delivery_id={deliveryId}"))["recordings"]!.AsArray());

        var accepted = await team.PostCallback("twilio-recording", form, authToken: twilio.AuthToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        // Twilio retries a callback it thinks failed: the same recording is not queued twice.
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", form, authToken: twilio.AuthToken)).StatusCode);
        var queued = await team.RecordingOf(deliveryId);
        Assert.Equal((S(call, "id"), deliveryId), (S(queued, "call_log_id"), S(queued, "delivery_id")));
        Assert.Equal(S(queued, "id"), S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{deliveryId}"), "recording_id"));

        var done = await team.Processed(S(queued, "id"));
        Assert.True(S(done, "processing_status") == "completed", done.ToJsonString());
        var transcription = done["transcription"]!;
        Assert.Equal(("go forward ten meters", "en-US"), (S(transcription, "text"), S(transcription, "language")));
        double confidence = transcription["confidence"]!.GetValue<double>();
        Assert.InRange(confidence, 0.01, 1.0);
        Assert.True(transcription["processing_time"]!.GetValue<double>() > 0);
        Assert.Equal((1, (long)audio.Length, "wav"), (done["processing_attempts"]!.GetValue<int>(), done["file_size"]!.GetValue<long>(), S(done, "format")));
        Assert.NotNull(done["last_processed_at"]);
        var analysis = done["ai_analysis"]!;
        Assert.Contains(S(analysis, "sentiment"), new[] { "positive", "neutral", "negative" });
        Assert.Contains("forward", analysis["keywords"]!.AsArray().Select(k => k!.GetValue<string>()));
        // The download was Twilio's: the recording's URL with the account's credentials.
        var download = Assert.Single(twilio.Requests, r => r.Method == "GET");
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{twilio.AccountSid}:{twilio.AuthToken}")), download.Authorization);

        var onCall = await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}");
        Assert.Equal(("go forward ten meters", twilio.RecordingUrl("RE" + new string('1', 32)), 3),
            (S(onCall, "transcription"), S(onCall, "recording_url"), onCall["recording_duration"]!.GetValue<int>()));
        Assert.Equal(S(analysis, "summary"), S(onCall["ai_analysis"]!, "summary"));

        // The audio, whole and by range; each request counts.
        var whole = await team.Client.GetAsync(S(done, "audio_url"));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(audio, await whole.Content.ReadAsByteArrayAsync());
        var partial = new HttpRequestMessage(HttpMethod.Get, S(done, "audio_url"));
        partial.Headers.Range = new RangeHeaderValue(44, 143);
        var ranged = await team.Client.SendAsync(partial);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal(audio[44..144], await ranged.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 44-143/{audio.Length}", ranged.Content.Headers.ContentRange!.ToString());
        var read = await Kit.GetData(team.Client, $"/api/v1/recordings/{S(done, "id")}");
        Assert.Equal(2, read["access_count"]!.GetValue<int>());
        Assert.NotNull(read["last_accessed_at"]);

        // Reprocessing runs it again from the stored audio (no second download), attempts counted afresh.
        await Ok(await team.Client.PostAsync($"/api/v1/recordings/{S(done, "id")}/reprocess", null));
        var again = await team.Processed(S(done, "id"));
        Assert.Equal(("completed", 1, "go forward ten meters"), (S(again, "processing_status"), again["processing_attempts"]!.GetValue<int>(), S(again["transcription"]!, "text")));
        Assert.Single(twilio.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task A_recording_from_a_host_off_the_allow_list_or_blocked_by_the_outbound_guard_is_never_fetched_and_fails()
    {
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        // localhost is the same machine, but not a name on Herald:Recordings:AllowedHosts.
        string offList = twilio.RecordingUrl("RE" + new string('2', 32)).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), "RE" + new string('2', 32), offList))).StatusCode);
        var refused = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
        Assert.Equal(("failed", 1), (S(refused, "processing_status"), refused["processing_attempts"]!.GetValue<int>()));
        Assert.Contains("AllowedHosts", S(refused, "error_message"));
        Assert.Null(refused["audio_url"]);

        // 127.0.0.2 is on the recordings' allow-list but not on the outbound guard's: the guard refuses the connection.
        var (_, second) = await team.CustomerAndDelivery();
        var call2 = await team.Call(S(second, "id"));
        string guarded = twilio.RecordingUrl("RE" + new string('3', 32)).Replace("127.0.0.1", "127.0.0.2", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call2, "call_sid"), "RE" + new string('3', 32), guarded))).StatusCode);
        var blocked = await team.Processed(S(await team.RecordingOf(S(second, "id")), "id"));
        Assert.Equal(("failed", 2), (S(blocked, "processing_status"), blocked["processing_attempts"]!.GetValue<int>()));
        Assert.Contains("from 127.0.0.2: the destination is not allowed", S(blocked, "error_message"));
        Assert.Equal(0, twilio.DownloadsStarted);
        await Kit.AssertError(await team.Client.GetAsync($"/api/v1/recordings/{S(blocked, "id")}/audio"), HttpStatusCode.Conflict);
        var failed = (await Kit.GetData(team.Client, "/api/v1/recordings?processing_status=failed"))["recordings"]!.AsArray();
        Assert.Equal(2, failed.Count);
    }

    [Fact]
    public async Task A_download_that_keeps_failing_is_retried_then_failed_with_its_error()
    {
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        // No audio under this sid: the fake answers 404 every time.
        string missing = "RE" + new string('4', 32);
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), missing, twilio.RecordingUrl(missing)))).StatusCode);
        var failed = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
        Assert.Equal(("failed", 2), (S(failed, "processing_status"), failed["processing_attempts"]!.GetValue<int>()));
        Assert.Contains("404", S(failed, "error_message"));
        Assert.Equal(2, twilio.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task Recordings_are_the_teams_own_and_bad_callbacks_and_filters_are_400s_naming_the_field()
    {
        await using var twilio = await CallsTests.Twilio();
        var a = await CallTeam.CreateAsync(Server, twilio);
        var b = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await a.CustomerAndDelivery();
        var call = await a.Call(S(delivery, "id"));
        string sid = "RE" + new string('5', 32);
        twilio.Audio[sid] = FakeTwilioVoice.GoForwardWav();
        var form = CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid));

        // B's callback URL does not reach A's call.
        await Kit.AssertError(await b.PostCallback("twilio-recording", form), HttpStatusCode.NotFound);
        foreach (var (field, fields) in new (string, (string, string)[])[]
        {
            ("CallSid", form.Where(f => f.Item1 != "CallSid").ToArray()),
            ("RecordingSid", form.Where(f => f.Item1 != "RecordingSid").ToArray()),
            ("RecordingUrl", form.Where(f => f.Item1 != "RecordingUrl").ToArray()),
            ("RecordingUrl", [.. form.Where(f => f.Item1 != "RecordingUrl"), ("RecordingUrl", "file:///etc/passwd")]),
            ("RecordingDuration", [.. form.Where(f => f.Item1 != "RecordingDuration"), ("RecordingDuration", "-3")]),
        })
            await Kit.AssertError(await a.PostCallback("twilio-recording", fields), HttpStatusCode.BadRequest, field: field);
        Assert.Empty((await Kit.GetData(a.Client, "/api/v1/recordings"))["recordings"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await a.PostCallback("twilio-recording", form)).StatusCode);
        var recording = await a.RecordingOf(S(delivery, "id"));
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/recordings/{S(recording, "id")}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/recordings/{S(recording, "id")}/audio"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PostAsync($"/api/v1/recordings/{S(recording, "id")}/reprocess", null), HttpStatusCode.NotFound);
        Assert.Empty((await Kit.GetData(b.Client, "/api/v1/recordings"))["recordings"]!.AsArray());
        Assert.Empty((await Kit.GetData(b.Client, $"/api/v1/recordings?delivery_id={S(delivery, "id")}"))["recordings"]!.AsArray());

        await Kit.AssertError(await a.Client.GetAsync("/api/v1/recordings?processing_status=done"), HttpStatusCode.BadRequest, field: "processing_status");
        await Kit.AssertError(await a.Client.GetAsync("/api/v1/recordings?limit=500"), HttpStatusCode.BadRequest, field: "limit");
        await a.Processed(S(recording, "id"));
    }
}
