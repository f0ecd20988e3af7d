using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Durability;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>A recording claimed by a process that is killed (SIGKILL) mid-download is claimed again by the next one and completes.</summary>
public sealed class RecordingCrashTests
{
    private const string AdminKey = "hk_recording_kill_admin";

    [Fact]
    public async Task A_recording_claimed_when_herald_is_killed_is_processed_after_the_restart()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-recording-kill", Guid.NewGuid().ToString("n"));
        await using var twilio = await CallsTests.Twilio();
        string recordingSid = "RE" + new string('7', 32);
        byte[] audio = FakeTwilioVoice.GoForwardWav();
        twilio.Audio[recordingSid] = audio;
        twilio.HoldDownloads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = new Dictionary<string, string>
        {
            ["Herald__Security__OutboundAllowList"] = "127.0.0.1",
            ["Herald__Recordings__AllowedHosts"] = "127.0.0.1",
            ["Herald__Recordings__Transcriber"] = "none",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        string key, recordingId;
        using (var first = await HeraldProcess.StartAsync(dir, AdminKey, settings))
        {
            using var admin = Client(first, AdminKey);
            var team = await Created(await admin.PostAsJsonAsync("/api/v1/teams", new { name = "kill-recordings" }));
            string teamId = team["id"]!.GetValue<string>(), token = team["webhook_token"]!.GetValue<string>();
            key = (await Created(await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "k", scopes = new[] { "deliveries:read", "deliveries:write" } })))["key"]!.GetValue<string>();
            using var client = Client(first, key);
            await Ok(await client.PutAsJsonAsync("/api/v1/delivery-settings", new
            {
                twilio = new { account_sid = twilio.AccountSid, auth_token = twilio.AuthToken, from_number = "+14155550100", base_url = twilio.BaseUrl },
            }));
            string customer = (await Created(await client.PostAsJsonAsync("/api/v1/customers", new { name = "C", phone = "+12127360000" })))["id"]!.GetValue<string>();
            string delivery = (await Created(await client.PostAsJsonAsync("/api/v1/deliveries", new
            {
                customer_id = customer, address = "1 Main St", coordinates = new { type = "Point", coordinates = new[] { -74.0, 40.7 } },
                scheduled_time = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            })))["id"]!.GetValue<string>();
            string callSid = (await Created(await client.PostAsJsonAsync($"/api/v1/deliveries/{delivery}/call", new { })))["call_sid"]!.GetValue<string>();
            using var hook = new HttpClient { BaseAddress = first.BaseAddress };
            var callback = await hook.PostAsync($"/webhooks/twilio-recording/{token}",
                new FormUrlEncodedContent(CallTeam.RecordingForm(callSid, recordingSid, twilio.RecordingUrl(recordingSid)).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));
            Assert.True(callback.IsSuccessStatusCode, await callback.Content.ReadAsStringAsync());

            // The download has begun and hangs: the recording is claimed, then the process dies without warning.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonNode recording;
            while (true)
            {
                recording = (await Ok(await client.GetAsync($"/api/v1/recordings?delivery_id={delivery}")))["recordings"]![0]!;
                if (twilio.DownloadsStarted > 0 && recording["processing_status"]!.GetValue<string>() == "processing") break;
                Assert.True(DateTime.UtcNow < deadline, $"never claimed: {recording.ToJsonString()}");
                await Task.Delay(50);
            }
            recordingId = recording["id"]!.GetValue<string>();
            Assert.Equal(1, recording["processing_attempts"]!.GetValue<int>());
            first.Kill();
        }
        twilio.HoldDownloads.TrySetResult();
        twilio.HoldDownloads = null;

        using var second = await HeraldProcess.StartAsync(dir, AdminKey, settings);
        using var again = Client(second, key);
        var until = DateTime.UtcNow.AddSeconds(60);
        JsonNode done;
        while (true)
        {
            done = await Ok(await again.GetAsync($"/api/v1/recordings/{recordingId}"));
            if (done["processing_status"]!.GetValue<string>() is "completed" or "failed") break;
            Assert.True(DateTime.UtcNow < until, $"not processed after the restart: {done.ToJsonString()}");
            await Task.Delay(100);
        }
        Assert.Equal(("completed", 2), (done["processing_status"]!.GetValue<string>(), done["processing_attempts"]!.GetValue<int>()));
        Assert.Equal(audio, await again.GetByteArrayAsync(done["audio_url"]!.GetValue<string>()));
        Directory.Delete(dir, recursive: true);
    }

    private static HttpClient Client(HeraldProcess p, string key)
    {
        var c = new HttpClient { BaseAddress = p.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Add("X-API-Key", key);
        return c;
    }
}
