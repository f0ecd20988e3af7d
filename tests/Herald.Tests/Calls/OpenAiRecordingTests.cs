using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>
/// The recording pipeline with an OpenAI-compatible endpoint as transcriber and analyst (a stand-in for OpenAI on loopback,
/// which checks the requests OpenAI would get): the transcript, its language and confidence, and the model's analysis reach
/// the recording, the call and the delivery; an answer outside the seed's values fails the recording, naming the field.
/// </summary>
public sealed class OpenAiRecordingTests
{
    private const string TranscriptionModel = "whisper-test", ChatModel = "gpt-test";

    private static Task<HeraldServer> ServerAsync(FakeOpenAi openAi) => HeraldServer.StartAsync(new()
    {
        [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1",
        ["Herald:Recordings:AllowedHosts"] = "127.0.0.1",
        ["Herald:Recordings:RetryBackoff"] = "00:00:00.100",
        ["Herald:Recordings:MaxAttempts"] = "2",
        ["Herald:Recordings:Transcriber"] = "openai",
        ["Herald:Recordings:Analyzer"] = "openai",
        ["Herald:Recordings:OpenAi:Endpoint"] = openAi.Endpoint,
        ["Herald:Recordings:OpenAi:ApiKey"] = openAi.Key,
        ["Herald:Recordings:OpenAi:TranscriptionModel"] = TranscriptionModel,
        ["Herald:Recordings:OpenAi:ChatModel"] = ChatModel,
    });

    [Fact]
    public async Task The_endpoints_transcript_and_analysis_reach_the_recording_the_call_and_the_delivery()
    {
        await using var openAi = await FakeOpenAi.StartAsync("sk-test-" + Guid.NewGuid().ToString("n"));
        const string said = "Please leave it at the back door. It's urgent, I need it before five.";
        openAi.TranscriptionAnswer = FakeOpenAi.VerboseTranscription("english",
            ("Please leave it at the back door.", 0.0, 1.0, -0.1), ("It's urgent, I need it before five.", 1.0, 3.0, -0.3));
        openAi.ChatAnswer = """
            {"sentiment":"negative","keywords":["door","urgent","five"],"instructions":"Leave it at the back door","priority":"urgent",
             "entities":[{"type":"place","value":"back door","confidence":0.9},{"type":"time","value":"before five","confidence":0.7}],
             "summary":"The customer wants the parcel at the back door before five.","confidence_score":0.82}
            """;
        await using var server = await ServerAsync(openAi);
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        string deliveryId = S(delivery, "id");
        var call = await team.Call(deliveryId);
        byte[] audio = FakeTwilioVoice.GoForwardWav();
        string sid = "RE" + new string('8', 32);
        twilio.Audio[sid] = audio;
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid)))).StatusCode);

        var done = await team.Processed(S(await team.RecordingOf(deliveryId), "id"));
        Assert.True(S(done, "processing_status") == "completed", done.ToJsonString());
        var transcription = done["transcription"]!;
        Assert.Equal((said, "en"), (S(transcription, "text"), S(transcription, "language")));
        // The segments' probabilities weighted by their length: 1 s at e^-0.1 and 2 s at e^-0.3.
        Assert.Equal(Math.Round((1 * Math.Exp(-0.1) + 2 * Math.Exp(-0.3)) / 3, 4), transcription["confidence"]!.GetValue<double>(), 4);
        var analysis = done["ai_analysis"]!;
        Assert.Equal(("negative", "urgent", "Leave it at the back door", 0.82),
            (S(analysis, "sentiment"), S(analysis, "priority"), S(analysis, "instructions"), analysis["confidence_score"]!.GetValue<double>()));
        Assert.Equal(["door", "urgent", "five"], analysis["keywords"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal([("place", "back door"), ("time", "before five")], analysis["entities"]!.AsArray().Select(e => (S(e!, "type"), S(e!, "value"))));

        // What OpenAI would have been sent: the stored audio as a file, the model, the verbose format with segments.
        var sent = Assert.Single(openAi.Transcriptions);
        Assert.Equal((TranscriptionModel, "verbose_json", "segment", "recording.wav"), (sent.Model, sent.ResponseFormat, sent.Granularity, sent.FileName));
        Assert.Equal(audio, sent.Audio);
        var chat = Assert.Single(openAi.ChatRequests);
        Assert.Equal(ChatModel, S(chat, "model"));
        var messages = chat["messages"]!.AsArray();
        Assert.Equal(("system", "user"), (S(messages[0]!, "role"), S(messages[1]!, "role")));
        Assert.Contains("delivery service", messages[0]!["content"]!.ToJsonString());
        Assert.Contains(said, messages[1]!["content"]!.ToJsonString().Replace("\\u0027", "'"));
        Assert.Equal("json_schema", S(chat["response_format"]!, "type"));
        var schema = chat["response_format"]!["json_schema"]!["schema"]!["properties"]!.AsObject();
        Assert.True(new[] { "sentiment", "keywords", "instructions", "priority", "entities", "summary", "confidence_score" }.All(schema.ContainsKey), schema.ToJsonString());
        Assert.Equal(0, openAi.Unauthorized);

        // The findings are on the call, and the instructions and the urgency on the delivery.
        var onCall = await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}");
        Assert.Equal((said, "urgent"), (S(onCall, "transcription"), S(onCall["ai_analysis"]!, "priority")));
        var updated = await Kit.GetData(team.Client, $"/api/v1/deliveries/{deliveryId}");
        Assert.Equal(("Leave it at the back door", "urgent"), (S(updated["package_details"]!, "special_instructions"), S(updated, "priority")));
    }

    [Fact]
    public async Task An_analysis_outside_the_seeds_values_is_retried_then_fails_the_recording_naming_the_field()
    {
        await using var openAi = await FakeOpenAi.StartAsync("sk-test-" + Guid.NewGuid().ToString("n"));
        openAi.TranscriptionAnswer = FakeOpenAi.VerboseTranscription("english", ("Thanks, see you soon.", 0.0, 1.5, -0.2));
        openAi.ChatAnswer = """{"sentiment":"ecstatic","keywords":[],"instructions":null,"priority":"normal","entities":[],"summary":"Thanks.","confidence_score":0.5}""";
        await using var server = await ServerAsync(openAi);
        await using var twilio = await CallsTests.Twilio();
        var team = await CallTeam.CreateAsync(server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        string sid = "RE" + new string('9', 32);
        twilio.Audio[sid] = FakeTwilioVoice.GoForwardWav();
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-recording", CallTeam.RecordingForm(S(call, "call_sid"), sid, twilio.RecordingUrl(sid)))).StatusCode);

        var failed = await team.Processed(S(await team.RecordingOf(S(delivery, "id")), "id"));
        Assert.Equal(("failed", 2), (S(failed, "processing_status"), failed["processing_attempts"]!.GetValue<int>()));
        Assert.Contains("sentiment 'ecstatic'", S(failed, "error_message"));
        Assert.Equal(2, openAi.ChatRequests.Count);
        var untouched = await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(delivery, "id")}");
        Assert.Equal(S(delivery, "priority"), S(untouched, "priority"));
    }
}
