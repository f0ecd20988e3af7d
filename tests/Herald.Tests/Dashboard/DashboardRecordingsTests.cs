using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Calls;
using Herald.Tests.Support;
using Microsoft.Playwright;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Dashboard;

/// <summary>The deliveries tab's recordings card, filled by the real pipeline, against what the recordings API answers.</summary>
public sealed partial class DashboardPanelsTests
{
    [Fact]
    public async Task The_deliveries_tabs_recordings_card_shows_each_analysed_calls_sentiment_instructions_and_priority_as_the_API_answers()
    {
        // The pipeline as deployed (download from an allowed host, audio store, the offline lexicon analysis); the words come
        // from an OpenAI-compatible transcription stand-in, so that the calls say what a customer says.
        await using var openAi = await FakeOpenAi.StartAsync("sk-test-" + Guid.NewGuid().ToString("n"));
        await using var server = await HeraldServer.StartAsync(new()
        {
            [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1",
            ["Herald:Recordings:AllowedHosts"] = "127.0.0.1",
            ["Herald:Recordings:MaxAttempts"] = "1",
            ["Herald:Recordings:Transcriber"] = "openai",
            ["Herald:Recordings:OpenAi:Endpoint"] = openAi.Endpoint,
            ["Herald:Recordings:OpenAi:ApiKey"] = openAi.Key,
        });
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(server, twilio);
        string[] said =
        [
            "Thank you so much, that is wonderful. Please leave it at the back door.",
            "This is the second time it is late and I am really upset. Ring the bell twice, it is urgent.",
            "Hello, yes, this afternoon is fine.",
        ];
        var deliveries = new List<string>();
        for (int i = 0; i < said.Length + 1; i++)
        {
            var (_, delivery) = await team.CustomerAndDelivery();
            deliveries.Add(S(delivery, "id"));
            var call = await team.Call(S(delivery, "id"));
            string sid = $"RE{i:D32}";
            // The last one's audio is gone from Twilio: it fails and is not a transcribed call.
            if (i < said.Length)
            {
                twilio.Audio[sid] = FakeTwilioVoice.GoForwardWav();
                openAi.TranscriptionAnswer = FakeOpenAi.VerboseTranscription("english", (said[i], 0.0, 3.0, -0.2));
            }
            Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid)))).StatusCode);
            var done = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
            Assert.Equal(i < said.Length ? "completed" : "failed", S(done, "processing_status"));
        }

        var api = (await Kit.GetData(team.Client, "/api/v1/recordings?processing_status=completed"))["recordings"]!.AsArray()
            .Select(r => (Id: S(r!, "id"), Delivery: S(r!, "delivery_id"), Analysis: r!["ai_analysis"]!)).ToList();
        Assert.Equal(deliveries.Take(said.Length).Reverse(), api.Select(r => r.Delivery));
        // The calls differ in what the card shows: more than one tone, instructions on some, an urgent one.
        Assert.True(api.Select(r => S(r.Analysis, "sentiment")).Distinct().Count() > 1, string.Join(" | ", api.Select(r => r.Analysis.ToJsonString())));
        Assert.Contains(api, r => r.Analysis["instructions"] is not null);
        Assert.Contains(api, r => S(r.Analysis, "priority") == "urgent");

        var context = await _f.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, TimezoneId = "UTC", Locale = "en-US",
            ReducedMotion = ReducedMotion.Reduce,
        });
        try
        {
            context.SetDefaultTimeout(15_000);
            var page = await context.NewPageAsync();
            page.PageError += (_, e) => _consoleErrors.Add(e);
            await DashboardFixture.SignInAsync(page, team.Client.DefaultRequestHeaders.GetValues("X-API-Key").Single());
            await OpenTabAsync(page, "deliveries");
            await page.WaitForSelectorAsync("#recordings-table");

            var rows = await page.Locator("#recordings-table tbody tr").EvaluateAllAsync<string[][]>(
                "rows => rows.map(r => [r.dataset.recording, r.dataset.sentiment, ...[...r.cells].map(c => c.innerText.trim())])");
            Assert.Equal(api.Count, rows.Length);
            for (int i = 0; i < api.Count; i++)
            {
                var (id, delivery, analysis) = api[i];
                string instructions = analysis["instructions"]?.GetValue<string>() ?? "–";
                Assert.Equal([id, S(analysis, "sentiment"), delivery, S(analysis, "sentiment"), instructions, S(analysis, "priority")], rows[i]);
            }
            Assert.DoesNotContain(deliveries[^1], await page.InnerTextAsync("#recordings-table"));
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
