using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Herald.Webhooks;

namespace Herald.Tests.Webhooks;

/// <summary>
/// Provider callbacks over real HTTP: each lands in the metrics like the same events posted to /api/v1/events, retries
/// never double count, signatures guard the team's data, tokens isolate teams and rotate.
/// </summary>
public sealed class WebhookEndpointTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;
    private static int _teams;

    private sealed record Team(string Id, string Token, HttpClient Client);

    private async Task<Team> NewTeamAsync()
    {
        var response = await Server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = $"hooks-{Interlocked.Increment(ref _teams)}-{Guid.NewGuid():n}" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var data = await HeraldServer.ReadData(response);
        string id = data["id"]!.GetValue<string>(), token = data["webhook_token"]!.GetValue<string>();
        Assert.StartsWith("wh_", token);
        string key = await Server.CreateKeyAsync(id, ["events:write", "metrics:read"]);
        return new Team(id, token, Server.Client(key));
    }

    private static string Window =>
        $"from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-2))}&to={Kit.Format(DateTimeOffset.UtcNow.AddHours(2))}";

    private static Task<JsonNode> Summary(HttpClient client, string filters = "") => Kit.GetData(client, $"/api/v1/metrics/summary?{Window}{filters}");

    private static async Task<long> Events(HttpClient client)
    {
        var points = (await Kit.GetData(client, $"/api/v1/metrics/timeseries?granularity=day&{Window}"))["points"]!.AsArray();
        return points.Sum(p => Kit.Long(p!, "events"));
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private async Task<HttpResponseMessage> PostTwilio(string path, (string, string)[] fields, string? authToken = null, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form(fields) };
        if (authToken is not null)
            signature ??= WebhookSignatures.TwilioSignature(authToken, new Uri(Server.BaseAddress, path).AbsoluteUri, WebhookForm.Of(fields).Pairs);
        if (signature is not null) request.Headers.Add("X-Twilio-Signature", signature);
        using var http = Server.Client(null);
        return await http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostRaw(string path, string body, string contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var http = Server.Client(null);
        return await http.SendAsync(request);
    }

    private static async Task AssertTwiml(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""<?xml version="1.0" encoding="UTF-8"?><Response></Response>""", text);
    }

    private static (string, string)[] TwilioStatus(string sid, string status, string to = "+15558675310", params (string, string)[] extra) =>
        // The fields of the documented status callback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
        [("AccountSid", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ("ApiVersion", "2010-04-01"), ("From", "+15017250604"), ("MessageSid", sid),
            ("MessageStatus", status), ("SmsSid", sid), ("SmsStatus", status), ("To", to), .. extra];

    private static async Task PutSecret(Team team, string provider, object body)
    {
        var response = await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/{provider}", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.DoesNotContain("s3cr3t", text);
    }

    // ---- Twilio ----

    [Fact]
    public async Task Twilio_status_callbacks_land_in_the_metrics_and_retries_never_double_count()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/twilio/{team.Token}";
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SM1342fe1b2c904d1ab04f0fc7a58abca9", "sent")));
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SM1342fe1b2c904d1ab04f0fc7a58abca9", "delivered", extra: ("RawDlrDoneDate", "2405011201"))));
        // Twilio retries the very same callback: a duplicate.
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SM1342fe1b2c904d1ab04f0fc7a58abca9", "delivered", extra: ("RawDlrDoneDate", "2405011201"))));
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SM2", "undelivered", "+447700900123", ("ErrorCode", "30003"))));

        var summary = await Summary(team.Client);
        Assert.Equal((2, 1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered"), Kit.Long(summary, "failed")));
        Assert.Equal(3, await Events(team.Client));
        Assert.Equal(2, Kit.Long(await Summary(team.Client, "&provider=twilio&channel=sms"), "total"));

        var item = (await Kit.Item(team.Client, "SM1342fe1b2c904d1ab04f0fc7a58abca9"))!;
        Assert.Equal(("delivered", "message", "sms", "twilio", "US", "+15558675310"),
            (S(item, "status"), S(item, "kind"), S(item, "channel"), S(item, "provider"), S(item, "country"), S(item, "recipient")));
        Assert.Equal(2, Kit.Int(item, "event_count"));
        var failed = (await Kit.Item(team.Client, "SM2"))!;
        Assert.Equal(("undelivered", "GB", "30003"), (S(failed, "status"), S(failed, "country"), S(failed["events"]![0]!, "error_code")));
    }

    [Fact]
    public async Task Out_of_order_callbacks_land_right_and_join_what_the_app_reported()
    {
        var team = await NewTeamAsync();
        // The app reported the send with its campaign; Twilio's callbacks arrive delivered first, then sent.
        await Kit.Ingest(team.Client, Kit.Event("SMabc", "queued", Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)), provider: "twilio"));
        await Kit.Ingest(team.Client, new Dictionary<string, object> { ["item_id"] = "SMabc", ["status"] = "queued", ["campaign"] = "welcome",
            ["occurred_at"] = Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)), ["event_id"] = "app-1" });
        string path = $"/webhooks/twilio/{team.Token}";
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SMabc", "delivered")));
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SMabc", "sent")));
        var item = (await Kit.Item(team.Client, "SMabc"))!;
        Assert.Equal(("delivered", "welcome", "twilio"), (S(item, "status"), S(item, "campaign"), S(item, "provider")));
        var summary = await Summary(team.Client, "&campaign=welcome");
        Assert.Equal((1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered")));
    }

    [Fact]
    public async Task Twilio_inbound_sms_and_whatsapp_channel()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/twilio/{team.Token}";
        // An incoming message request (https://www.twilio.com/docs/messaging/guides/webhook-request).
        await AssertTwiml(await PostTwilio(path, [("ToCountry", "US"), ("SmsMessageSid", "SMin1"), ("NumMedia", "0"), ("SmsSid", "SMin1"),
            ("SmsStatus", "received"), ("Body", "STOP please"), ("To", "+15017250604"), ("NumSegments", "1"), ("MessageSid", "SMin1"),
            ("AccountSid", "AC1"), ("From", "+447700900123"), ("ApiVersion", "2010-04-01")]));
        var inbound = (await Kit.Item(team.Client, "SMin1"))!;
        Assert.Equal(("inbound", "+447700900123", "delivered"), (S(inbound, "direction"), S(inbound, "recipient"), S(inbound, "status")));
        Assert.Equal("STOP please", S(inbound["events"]![0]!, "text"));

        await AssertTwiml(await PostTwilio(path, TwilioStatus("SMwa", "read", "whatsapp:+4915112345678")));
        var wa = (await Kit.Item(team.Client, "SMwa"))!;
        Assert.Equal(("whatsapp", "+4915112345678", "DE", "read"), (S(wa, "channel"), S(wa, "recipient"), S(wa, "country"), S(wa, "status")));
    }

    [Fact]
    public async Task A_configured_twilio_auth_token_rejects_unsigned_and_wrongly_signed_callbacks()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/twilio/{team.Token}?campaign=promo";
        await PutSecret(team, "twilio", new { secret = "s3cr3t-auth-token" });

        var unsigned = await PostTwilio(path, TwilioStatus("SMsig", "sent"));
        await Kit.AssertError(unsigned, HttpStatusCode.Unauthorized, field: "X-Twilio-Signature", code: "invalid_signature");
        var wrong = await PostTwilio(path, TwilioStatus("SMsig", "sent"), authToken: "another-token");
        await Kit.AssertError(wrong, HttpStatusCode.Unauthorized, code: "invalid_signature");
        // Signed for other parameters: the body was tampered with.
        string forOther = WebhookSignatures.TwilioSignature("s3cr3t-auth-token", new Uri(Server.BaseAddress, path).AbsoluteUri, WebhookForm.Of(TwilioStatus("SMsig", "failed")).Pairs);
        await Kit.AssertError(await PostTwilio(path, TwilioStatus("SMsig", "sent"), signature: forOther), HttpStatusCode.Unauthorized);
        Assert.Equal(0, Kit.Long(await Summary(team.Client), "total"));
        Assert.Equal(0, await Events(team.Client));
        Assert.Null(await Kit.Item(team.Client, "SMsig"));

        await AssertTwiml(await PostTwilio(path, TwilioStatus("SMsig", "sent"), authToken: "s3cr3t-auth-token"));
        Assert.Equal(1, Kit.Long(await Summary(team.Client, "&campaign=promo"), "total"));
        // Voice callbacks are signed with the same auth token.
        await Kit.AssertError(await PostTwilio($"/webhooks/twilio-voice/{team.Token}", [("CallSid", "CAx"), ("CallStatus", "ringing")]), HttpStatusCode.Unauthorized);

        // Without the secret, unsigned callbacks are accepted again.
        Assert.Equal(HttpStatusCode.OK, (await team.Client.DeleteAsync($"/api/v1/teams/{team.Id}/webhooks/twilio")).StatusCode);
        await AssertTwiml(await PostTwilio(path, TwilioStatus("SMsig2", "sent")));
    }

    [Fact]
    public async Task Twilio_voice_callbacks_track_calls()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/twilio-voice/{team.Token}";
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        string Rfc2822(DateTimeOffset t) => t.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        // Call status callback parameters: https://www.twilio.com/docs/voice/api/call-resource#statuscallback
        (string, string)[] Call(string status, DateTimeOffset at, params (string, string)[] extra) =>
            [("AccountSid", "AC1"), ("ApiVersion", "2010-04-01"), ("CallSid", "CA42"), ("CallStatus", status), ("Direction", "outbound-api"),
                ("From", "+15017250604"), ("To", "+4915112345678"), ("Timestamp", Rfc2822(at)), .. extra];
        await AssertTwiml(await PostTwilio(path, Call("completed", start.AddSeconds(50), ("CallDuration", "42"), ("SequenceNumber", "3"))));
        await AssertTwiml(await PostTwilio(path, Call("ringing", start, ("SequenceNumber", "1"))));
        await AssertTwiml(await PostTwilio(path, Call("in-progress", start.AddSeconds(8), ("SequenceNumber", "2"))));
        await AssertTwiml(await PostTwilio(path, Call("in-progress", start.AddSeconds(8), ("SequenceNumber", "2"))));
        var item = (await Kit.Item(team.Client, "CA42"))!;
        Assert.Equal(("call", "completed", "voice", "DE", 3), (S(item, "kind"), S(item, "status"), S(item, "channel"), S(item, "country"), Kit.Int(item, "event_count")));
        Assert.Equal(Kit.Format(start), S(item, "earliest_at"));
        var completed = item["events"]!.AsArray().Single(e => S(e!, "status") == "completed")!;
        Assert.Equal(42, completed["metadata"]!["call_duration"]!.GetValue<int>());
        var summary = await Summary(team.Client, "&kind=call");
        Assert.Equal((1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered")));
    }

    // ---- WhatsApp ----

    [Fact]
    public async Task WhatsApp_statuses_inbound_messages_signature_and_handshake()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/whatsapp/{team.Token}";
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Verification handshake: 403 before a verify token is set, the challenge once it matches.
        using var anon = Server.Client(null);
        string handshake = $"{path}?hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=1158201444";
        await Kit.AssertError(await anon.GetAsync(handshake), HttpStatusCode.Forbidden);
        await PutSecret(team, "whatsapp", new { secret = "s3cr3t-app-secret", verify_token = "vt-123" });
        var ok = await anon.GetAsync(handshake);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("text/plain", ok.Content.Headers.ContentType!.MediaType);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        await Kit.AssertError(await anon.GetAsync($"{path}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NotFound, (await anon.GetAsync($"/webhooks/whatsapp/wh_unknown?hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=1")).StatusCode);

        string Sign(string body) => "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("s3cr3t-app-secret"), Encoding.UTF8.GetBytes(body)));

        string delivered = WebhookMapperTests.WhatsAppStatus("wamid.A", "delivered", now - 50);
        await Kit.AssertError(await PostRaw(path, delivered, "application/json"), HttpStatusCode.Unauthorized, field: "X-Hub-Signature-256");
        await Kit.AssertError(await PostRaw(path, delivered, "application/json", ("X-Hub-Signature-256", Sign(delivered + " "))), HttpStatusCode.Unauthorized);
        Assert.Equal(0, await Events(team.Client));

        // Delivered arrives before sent; then read; then a retry of read.
        foreach (var body in new[]
                 {
                     delivered, WebhookMapperTests.WhatsAppStatus("wamid.A", "sent", now - 60), WebhookMapperTests.WhatsAppStatus("wamid.A", "read", now - 30),
                     WebhookMapperTests.WhatsAppStatus("wamid.A", "read", now - 30),
                     WebhookMapperTests.WhatsAppStatus("wamid.B", "failed", now - 20, "447700900123",
                         """[{"code":131026,"title":"Message undeliverable","error_data":{"details":"Unable to deliver"}}]"""),
                 })
        {
            var response = await PostRaw(path, body, "application/json", ("X-Hub-Signature-256", Sign(body)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("", await response.Content.ReadAsStringAsync());
        }
        var a = (await Kit.Item(team.Client, "wamid.A"))!;
        Assert.Equal(("read", "whatsapp", "+16315551234", "106540352242922", 3), (S(a, "status"), S(a, "channel"), S(a, "recipient"), S(a, "account"), Kit.Int(a, "event_count")));
        Assert.Equal(10.0, a["latency_seconds"]!.GetValue<double>());
        var b = (await Kit.Item(team.Client, "wamid.B"))!;
        Assert.Equal(("failed", "131026", "GB"), (S(b, "status"), S(b["events"]![0]!, "error_code"), S(b, "country")));
        var summary = await Summary(team.Client, "&channel=whatsapp");
        Assert.Equal((2, 1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered"), Kit.Long(summary, "failed")));

        // An inbound message, signed.
        string inbound = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551181"}],
             "messages":[{"from":"16315551181","id":"wamid.IN1","timestamp":"{{{now - 5}}}","text":{"body":"this is a text message"},"type":"text"}]},
             "field":"messages"}]}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await PostRaw(path, inbound, "application/json", ("X-Hub-Signature-256", Sign(inbound)))).StatusCode);
        var @in = (await Kit.Item(team.Client, "wamid.IN1"))!;
        Assert.Equal(("inbound", "+16315551181", "this is a text message"), (S(@in, "direction"), S(@in, "recipient"), S(@in["events"]![0]!, "text")));
    }

    [Fact]
    public async Task WhatsApp_template_echoes_give_items_their_template_dimension()
    {
        var team = await NewTeamAsync();
        string path = $"/webhooks/whatsapp/{team.Token}";
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // The status may come before the echo: the echo still names the template, and the item keeps it.
        foreach (var body in new[]
                 {
                     WebhookMapperTests.WhatsAppStatus("wamid.T1", "sent", now - 60), WebhookMapperTests.WhatsAppTemplateEcho("wamid.T1", "order_update", now - 60),
                     WebhookMapperTests.WhatsAppStatus("wamid.T1", "delivered", now - 50),
                     WebhookMapperTests.WhatsAppTemplateEcho("wamid.T2", "order_update", now - 40), WebhookMapperTests.WhatsAppStatus("wamid.T2", "failed", now - 30),
                     WebhookMapperTests.WhatsAppTemplateEcho("wamid.T3", "welcome", now - 40), WebhookMapperTests.WhatsAppStatus("wamid.T3", "read", now - 20),
                     WebhookMapperTests.WhatsAppStatus("wamid.T4", "delivered", now - 20),
                 })
            Assert.Equal(HttpStatusCode.OK, (await PostRaw(path, body, "application/json")).StatusCode);
        Assert.Equal("order_update", S((await Kit.Item(team.Client, "wamid.T1"))!, "template"));
        var rows = (await Kit.GetData(team.Client, $"/api/v1/metrics/breakdown?by=template&{Window}"))["rows"]!.AsArray();
        var byTemplate = rows.ToDictionary(r => r!["key"]?.GetValue<string>() ?? "(none)", r => (Kit.Long(r!, "total"), Kit.Long(r!, "delivered"), Kit.Long(r!, "failed")));
        Assert.Equal((2L, 1L, 1L), byTemplate["order_update"]);
        Assert.Equal((1L, 1L, 0L), byTemplate["welcome"]);
        Assert.Equal((1L, 1L, 0L), byTemplate["(none)"]);
        var filtered = await Summary(team.Client, "&template=order_update,welcome");
        Assert.Equal((3, 2), (Kit.Long(filtered, "total"), Kit.Long(filtered, "delivered")));
    }

    // ---- SMPP ----

    [Fact]
    public async Task Smpp_receipts_in_text_and_form_bodies_and_a_bad_line_stores_nothing()
    {
        var team = await NewTeamAsync();
        string d = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("yyMMddHHmm", CultureInfo.InvariantCulture);
        string d2 = DateTimeOffset.UtcNow.AddMinutes(-9).ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        // SMPP 3.4 Appendix B receipts, one per line.
        string body = $"id:7220001 sub:001 dlvrd:000 submit date:{d} done date:{d} stat:ENROUTE err:000 text:Your code is\n"
                      + $"id:7220001 sub:001 dlvrd:001 submit date:{d} done date:{d2} stat:DELIVRD err:000 text:Your code is\n"
                      + $"id:7220002 sub:001 dlvrd:000 submit date:{d} done date:{d2} stat:UNDELIV err:001 text:Your code is\n";
        string path = $"/webhooks/smpp/{team.Token}?route=smsc-1&to=%2B33612345678";
        var response = await PostRaw(path, body, "text/plain");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var data = JsonNode.Parse(text)!["data"]!;
        Assert.Equal((3, 0), (Kit.Int(data, "accepted"), Kit.Int(data, "duplicates")));
        // A gateway retry of the whole batch.
        data = JsonNode.Parse(await (await PostRaw(path, body, "text/plain")).Content.ReadAsStringAsync())!["data"]!;
        Assert.Equal((0, 3), (Kit.Int(data, "accepted"), Kit.Int(data, "duplicates")));

        var summary = await Summary(team.Client, "&route=smsc-1&provider=smpp");
        Assert.Equal((2, 1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered"), Kit.Long(summary, "failed")));
        var failed = (await Kit.Item(team.Client, "7220002"))!;
        Assert.Equal(("undelivered", "FR", "UNDELIV:001"), (S(failed, "status"), S(failed, "country"), S(failed["events"]![0]!, "error_code")));

        // Form-encoded: the receipt field, the recipient as source_addr.
        var form = await Server.Client(null).PostAsync($"/webhooks/smpp/{team.Token}?provider=infobip",
            Form(("receipt", $"id:7220003 sub:001 dlvrd:000 submit date:{d} done date:{d2} stat:REJECTD err:0B text:"), ("source_addr", "+447700900123")));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var rejected = (await Kit.Item(team.Client, "7220003"))!;
        Assert.Equal(("failed", "infobip", "+447700900123", "REJECTD:0B"), (S(rejected, "status"), S(rejected, "provider"), S(rejected, "recipient"), S(rejected["events"]![0]!, "error_code")));

        // One bad line: 400 naming it, and nothing of the request is stored.
        long before = await Events(team.Client);
        string bad = $"id:7220004 sub:001 dlvrd:001 submit date:{d} done date:{d} stat:DELIVRD err:000 text:\nid:7220005 done date:99999999 stat:DELIVRD\n";
        await Kit.AssertError(await PostRaw($"/webhooks/smpp/{team.Token}", bad, "text/plain"), HttpStatusCode.BadRequest, field: "receipt line 2");
        Assert.Equal(before, await Events(team.Client));
        Assert.Null(await Kit.Item(team.Client, "7220004"));

        // With a shared secret: X-Herald-Signature, hex HMAC-SHA256 of the raw body.
        await PutSecret(team, "smpp", new { secret = "s3cr3t-smpp" });
        string one = $"id:7220006 sub:001 dlvrd:001 submit date:{d} done date:{d} stat:DELIVRD err:000 text:";
        await Kit.AssertError(await PostRaw($"/webhooks/smpp/{team.Token}", one, "text/plain"), HttpStatusCode.Unauthorized, field: "X-Herald-Signature");
        Assert.Equal(before, await Events(team.Client));
        var signed = await PostRaw($"/webhooks/smpp/{team.Token}", one, "text/plain", ("X-Herald-Signature", WebhookSignatures.HeraldSignature("s3cr3t-smpp", new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(one)))));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(before + 1, await Events(team.Client));
    }

    // ---- Email (SendGrid) ----

    [Fact]
    public async Task SendGrid_event_webhook_batches()
    {
        var team = await NewTeamAsync();
        long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300;
        // Shaped as the examples of https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
        string body = $$$"""
            [
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"processed","category":"cat facts","sg_event_id":"rbtnWrG1DVDGGGFHFyun0A==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"},
              {"email":"example@test.com","timestamp":{{{ts + 3}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"delivered","category":"cat facts","sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"250 OK"},
              {"email":"example@test.com","timestamp":{{{ts + 60}}},"event":"open","category":"cat facts","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","useragent":"Mozilla/4.0","ip":"255.255.255.255"},
              {"email":"nobody@test.com","timestamp":{{{ts + 2}}},"smtp-id":"<24c5d75ce93.dfd.64b469@ismtpd-555>","event":"bounce","category":"cat facts","sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==","sg_message_id":"24c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","reason":"500 unknown recipient","status":"5.1.1","type":"bounce"}
            ]
            """;
        string path = $"/webhooks/email/{team.Token}";
        var first = await PostRaw(path, body, "application/json");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(4, Kit.Int(JsonNode.Parse(await first.Content.ReadAsStringAsync())!["data"]!, "accepted"));
        var retry = JsonNode.Parse(await (await PostRaw(path, body, "application/json")).Content.ReadAsStringAsync())!["data"]!;
        Assert.Equal(4, Kit.Int(retry, "duplicates"));

        var summary = await Summary(team.Client, "&channel=email&campaign=cat%20facts&provider=sendgrid");
        Assert.Equal((2, 1, 1), (Kit.Long(summary, "total"), Kit.Long(summary, "delivered"), Kit.Long(summary, "failed")));
        Assert.Equal(4, await Events(team.Client));
        var item = (await Kit.Item(team.Client, "14c5d75ce93.dfd.64b469"))!;
        Assert.Equal(("read", "example@test.com", 3.0), (S(item, "status"), S(item, "recipient"), item["latency_seconds"]!.GetValue<double>()));
        var bounced = (await Kit.Item(team.Client, "24c5d75ce93.dfd.64b469"))!;
        Assert.Equal(("failed", "5.1.1", "500 unknown recipient"), (S(bounced, "status"), S(bounced["events"]![0]!, "error_code"), S(bounced["events"]![0]!, "error_message")));

        await Kit.AssertError(await PostRaw(path, "{oops", "application/json"), HttpStatusCode.BadRequest, field: "body", code: "invalid_json");
        await PutSecret(team, "email", new { secret = "s3cr3t-email" });
        await Kit.AssertError(await PostRaw(path, body.Replace("rbtn", "xxxx"), "application/json", ("X-Herald-Signature", "00")), HttpStatusCode.Unauthorized);
        Assert.Equal(4, await Events(team.Client));
    }

    // ---- Bad bytes and limits ----

    private async Task<HttpResponseMessage> PostBytes(string path, byte[] body, string contentType)
    {
        using var http = Server.Client(null);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new(contentType);
        return await http.PostAsync(path, content);
    }

    [Fact]
    public async Task Json_callbacks_that_are_not_utf8_are_invalid_json_and_a_lone_surrogate_rejects_only_its_entry()
    {
        var team = await NewTeamAsync();
        long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        foreach (string provider in new[] { "whatsapp", "email" })
        {
            byte[] notUtf8 = [.. "[{\"event\":\"delivered\",\"sg_message_id\":\"a"u8, 0xFF, .. "\"}]"u8];
            var error = await Kit.AssertError(await PostBytes($"/webhooks/{provider}/{team.Token}", notUtf8, "application/json"),
                HttpStatusCode.BadRequest, field: "body", code: "invalid_json");
            Assert.Contains("byte offset 40 (0xFF)", error["message"]!.GetValue<string>());
        }

        // SendGrid: the second of three events names its message with a lone surrogate; the other two are stored.
        string sendgrid = $$$"""
            [{"email":"a@test.com","timestamp":{{{ts}}},"event":"delivered","sg_event_id":"e1","sg_message_id":"sg-ok-1.filter0"},
             {"email":"b@test.com","timestamp":{{{ts}}},"event":"delivered","sg_event_id":"e2","sg_message_id":"sg-bad\ud800.filter0"},
             {"email":"c@test.com","timestamp":{{{ts}}},"event":"delivered","sg_event_id":"e3","sg_message_id":"sg-ok-3.filter0","\udc00":"x"},
             {"email":"d@test.com","timestamp":{{{ts}}},"event":"delivered","sg_event_id":"e4","sg_message_id":"sg-ok-4.filter0"}]
            """;
        var response = await PostRaw($"/webhooks/email/{team.Token}", sendgrid, "application/json");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var data = JsonNode.Parse(text)!["data"]!;
        Assert.Equal(2, Kit.Int(data, "accepted"));
        var rejected = data["rejected"]!.AsArray();
        Assert.Equal([1, 2], rejected.Select(r => Kit.Int(r!, "index")).ToArray());
        Assert.All(rejected, r => Assert.Contains("lone UTF-16 surrogate", r!["error"]!.GetValue<string>()));
        Assert.NotNull(await Kit.Item(team.Client, "sg-ok-1"));
        Assert.NotNull(await Kit.Item(team.Client, "sg-ok-4"));
        Assert.Null(await Kit.Item(team.Client, "sg-ok-3"));

        // WhatsApp: a status with a lone surrogate in its id is dropped alone (Meta reads no answer body: it is logged).
        string whatsapp = WebhookMapperTests.WhatsAppStatus("wamid.OK", "delivered", ts).Replace("\"statuses\":[", "\"statuses\":[{\"id\":\"wamid.\\ud800\",\"status\":\"sent\"},");
        Assert.Contains("\\ud800", whatsapp);
        var meta = await PostRaw($"/webhooks/whatsapp/{team.Token}", whatsapp, "application/json");
        Assert.Equal(HttpStatusCode.OK, meta.StatusCode);
        Assert.Equal("delivered", S((await Kit.Item(team.Client, "wamid.OK"))!, "status"));
        Assert.Equal(3, await Events(team.Client));
        // Text outside every entry that cannot be read fails the whole callback.
        await Kit.AssertError(await PostRaw($"/webhooks/whatsapp/{team.Token}", "{\"entry\":[{\"changes\":[{\"field\":\"messages\\ud800\",\"value\":{}}]}]}", "application/json"),
            HttpStatusCode.BadRequest, field: "body", code: "invalid_parameter");
    }

    [Fact]
    public async Task A_callback_over_the_per_request_limit_is_413_naming_it_and_stores_nothing()
    {
        var team = await NewTeamAsync();
        string receipts = string.Join('\n', Enumerable.Range(0, 10_001).Select(i => $"id:over-{i} stat:DELIVRD"));
        var error = await Kit.AssertError(await PostRaw($"/webhooks/smpp/{team.Token}", receipts, "text/plain"),
            HttpStatusCode.RequestEntityTooLarge, field: "body", code: "too_many_events");
        Assert.Contains("at most 10000 events (Herald:Ingest:MaxEventsPerRequest)", error["message"]!.GetValue<string>());
        string sendgrid = "[" + string.Join(',', Enumerable.Range(0, 10_001).Select(i => $$"""{"event":"delivered","sg_message_id":"sg-over-{{i}}"}""")) + "]";
        await Kit.AssertError(await PostRaw($"/webhooks/email/{team.Token}", sendgrid, "application/json"),
            HttpStatusCode.RequestEntityTooLarge, field: "body", code: "too_many_events");
        Assert.Equal(0, await Events(team.Client));
    }

    // ---- Tokens, teams and the secrets API ----

    [Fact]
    public async Task A_token_writes_only_to_its_own_team_and_rotation_retires_it_at_once()
    {
        var a = await NewTeamAsync();
        var b = await NewTeamAsync();
        await AssertTwiml(await PostTwilio($"/webhooks/twilio/{a.Token}", TwilioStatus("SMshared", "sent")));
        Assert.Equal(1, Kit.Long(await Summary(a.Client), "total"));
        Assert.Equal(0, Kit.Long(await Summary(b.Client), "total"));
        Assert.Null(await Kit.Item(b.Client, "SMshared"));

        // Unknown token or provider: 404 in the envelope, nothing stored.
        await Kit.AssertError(await PostTwilio("/webhooks/twilio/wh_0000", TwilioStatus("SMx", "sent")), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await PostTwilio($"/webhooks/vonage/{a.Token}", TwilioStatus("SMx", "sent")), HttpStatusCode.NotFound, code: "not_found");

        // Team B's key cannot rotate or configure team A; A's own key can.
        await Kit.AssertError(await b.Client.PostAsync($"/api/v1/teams/{a.Id}/webhook-token/rotate", null), HttpStatusCode.Forbidden);
        await Kit.AssertError(await b.Client.PutAsJsonAsync($"/api/v1/teams/{a.Id}/webhooks/twilio", new { secret = "x" }), HttpStatusCode.Forbidden);
        using var noKey = Server.Client(null);
        await Kit.AssertError(await noKey.PostAsync($"/api/v1/teams/{a.Id}/webhook-token/rotate", null), HttpStatusCode.Unauthorized);
        var rotated = await a.Client.PostAsync($"/api/v1/teams/{a.Id}/webhook-token/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        string newToken = (await HeraldServer.ReadData(rotated))["webhook_token"]!.GetValue<string>();
        Assert.NotEqual(a.Token, newToken);

        await Kit.AssertError(await PostTwilio($"/webhooks/twilio/{a.Token}", TwilioStatus("SMold", "sent")), HttpStatusCode.NotFound);
        await AssertTwiml(await PostTwilio($"/webhooks/twilio/{newToken}", TwilioStatus("SMnew", "sent")));
        Assert.Null(await Kit.Item(a.Client, "SMold"));
        Assert.NotNull(await Kit.Item(a.Client, "SMnew"));
        // The admin key rotates too, and the team list shows the current token.
        var byAdmin = await Server.Admin.PostAsync($"/api/v1/teams/{a.Id}/webhook-token/rotate", null);
        string third = (await HeraldServer.ReadData(byAdmin))["webhook_token"]!.GetValue<string>();
        var listed = (await Kit.GetData(Server.Admin, "/api/v1/teams")).AsArray().Single(t => S(t!, "id") == a.Id)!;
        Assert.Equal(third, S(listed, "webhook_token"));
    }

    [Fact]
    public async Task The_secrets_api_never_echoes_secrets()
    {
        var team = await NewTeamAsync();
        var list = (await Kit.GetData(team.Client, $"/api/v1/teams/{team.Id}/webhooks")).AsArray();
        Assert.Equal(WebhookProviders.All, list.Select(c => S(c!, "provider")).ToArray());
        Assert.All(list, c => Assert.False(c!["secret_configured"]!.GetValue<bool>()));
        Assert.EndsWith($"/webhooks/twilio/{team.Token}", S(list[0]!, "url"));

        await PutSecret(team, "twilio", new { secret = "s3cr3t-1" });
        await PutSecret(team, "whatsapp", new { verify_token = "s3cr3t-vt" });
        var whatsapp = await Kit.GetData(team.Client, $"/api/v1/teams/{team.Id}/webhooks/whatsapp");
        Assert.Equal((false, true), (whatsapp["secret_configured"]!.GetValue<bool>(), whatsapp["verify_token_configured"]!.GetValue<bool>()));
        string all = await (await team.Client.GetAsync($"/api/v1/teams/{team.Id}/webhooks")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cr3t", all);
        Assert.Contains("\"secret_configured\":true", all);

        await Kit.AssertError(await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/twilio", new { verify_token = "x" }), HttpStatusCode.BadRequest, field: "verify_token");
        await Kit.AssertError(await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/twilio", new { }), HttpStatusCode.BadRequest, field: "secret");
        await Kit.AssertError(await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/vonage", new { secret = "x" }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await team.Client.DeleteAsync($"/api/v1/teams/{team.Id}/webhooks/twilio")).StatusCode);
        await Kit.AssertError(await team.Client.DeleteAsync($"/api/v1/teams/{team.Id}/webhooks/twilio"), HttpStatusCode.NotFound);

        // The routes are described in the OpenAPI document.
        string openApi = await (await Server.Admin.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        Assert.Contains("/webhooks/{provider}/{token}", openApi);
        Assert.Contains("/api/v1/teams/{id}/webhook-token/rotate", openApi);

        // Processing time and errors are counted per provider.
        var stats = Server.Services.GetService(typeof(WebhookStats)) as WebhookStats;
        Assert.NotNull(stats);
        await PostTwilio($"/webhooks/twilio/{team.Token}", TwilioStatus("SMstat", "sent"));
        var twilio = stats!.Snapshot().Single(s => s.Provider == "twilio");
        Assert.True(twilio.Requests >= 1 && twilio.TotalMs > 0 && twilio.MaxMs > 0);
    }

    [Fact]
    public async Task Behind_a_proxy_twilio_signatures_use_the_public_base_url()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:PublicBaseUrl"] = "https://hooks.example.com/herald/" });
        var created = await server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "proxied" });
        string teamId = (await HeraldServer.ReadData(created))["id"]!.GetValue<string>();
        string token = (await HeraldServer.ReadData(created))["webhook_token"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.PutAsJsonAsync($"/api/v1/teams/{teamId}/webhooks/twilio", new { secret = "tok" })).StatusCode);
        string path = $"/webhooks/twilio/{token}?x=1";
        var fields = TwilioStatus("SMproxy", "sent");
        using var http = server.Client(null);

        async Task<HttpStatusCode> Post(string signedUrl)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form(fields) };
            request.Headers.Add("X-Twilio-Signature", WebhookSignatures.TwilioSignature("tok", signedUrl, WebhookForm.Of(fields).Pairs));
            return (await http.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await Post(new Uri(server.BaseAddress, path).AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, await Post("https://hooks.example.com/herald" + path));
        var config = await Kit.GetData(server.Admin, $"/api/v1/teams/{teamId}/webhooks/twilio");
        Assert.Equal($"https://hooks.example.com/herald/webhooks/twilio/{token}", S(config, "url"));
    }

    [Fact]
    public async Task Listed_webhook_urls_never_take_the_host_header()
    {
        var team = await NewTeamAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/teams/{team.Id}/webhooks");
        request.Headers.Host = "evil.example:8443";
        var response = await team.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("evil.example", text);
        var twilio = JsonNode.Parse(text)!["data"]!.AsArray()[0]!;
        Assert.Equal($"/webhooks/twilio/{team.Token}", S(twilio, "url"));
        Assert.False(twilio["public_base_url_configured"]!.GetValue<bool>());
        Assert.Contains("Herald:PublicBaseUrl is not set", S(twilio, "note"));

        await using var proxied = await HeraldServer.StartAsync(new() { ["Herald:PublicBaseUrl"] = "https://hooks.example.com" });
        string teamId = (await HeraldServer.ReadData(await proxied.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "behind-proxy" })))["id"]!.GetValue<string>();
        var spoofed = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/teams/{teamId}/webhooks/smpp");
        spoofed.Headers.Host = "evil.example";
        var config = await HeraldServer.ReadData(await proxied.Admin.SendAsync(spoofed));
        Assert.StartsWith("https://hooks.example.com/webhooks/smpp/", S(config, "url"));
        Assert.True(config["public_base_url_configured"]!.GetValue<bool>());
        Assert.Null(config["note"]);
    }

    private static string? S(JsonNode node, string name) => node[name]?.GetValue<string>();
}
