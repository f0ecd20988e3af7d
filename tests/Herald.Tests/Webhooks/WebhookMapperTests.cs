using System.Buffers;
using System.Text;
using System.Text.Json;
using Herald.Domain;
using Herald.Webhooks;

namespace Herald.Tests.Webhooks;

/// <summary>The pure parts of the webhooks: each provider's mapper and the signature checks.</summary>
public sealed class WebhookMapperTests
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private const int Max = 10_000;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    // ---- Signatures ----

    [Fact]
    public void Twilio_signature_matches_the_documented_example()
    {
        // The worked example of https://www.twilio.com/docs/usage/webhooks/webhooks-security (auth token 12345).
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        var form = WebhookForm.Of(("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
            ("From", "+12349013030"), ("To", "+18005551212"));
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", WebhookSignatures.TwilioSignature("12345", url, form.Pairs));

        // The same parameters sent in another order, form-encoded: sorting makes the order irrelevant.
        var posted = WebhookForm.Parse("To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234&From=%2B12349013030&Caller=%2B12349013030");
        Assert.True(WebhookSignatures.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url, posted.Pairs));
        Assert.True(WebhookSignatures.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "https://mycompany.com:443/myapp.php?foo=1&bar=2", posted.Pairs));
        Assert.False(WebhookSignatures.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "https://mycompany.com/myapp.php?foo=1&bar=3", posted.Pairs));
        Assert.False(WebhookSignatures.VerifyTwilio("12346", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url, posted.Pairs));
        Assert.False(WebhookSignatures.VerifyTwilio("12345", null, url, posted.Pairs));
        Assert.False(WebhookSignatures.VerifyTwilio("12345", "not base64!", url, posted.Pairs));
        var tampered = WebhookForm.Parse("To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=9999&From=%2B12349013030&Caller=%2B12349013030");
        Assert.False(WebhookSignatures.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url, tampered.Pairs));
    }

    [Fact]
    public void Meta_and_Herald_signatures_are_hex_hmac_sha256_of_the_raw_body()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"object":"whatsapp_business_account","entry":[]}""");
        var body = new ReadOnlySequence<byte>(bytes);
        // HMAC-SHA256("secret", body), computed independently with: printf '%s' "$body" | openssl dgst -sha256 -hmac secret
        string hex = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes("secret"), bytes));
        Assert.True(WebhookSignatures.VerifyMeta("secret", "sha256=" + hex, body));
        Assert.True(WebhookSignatures.VerifyMeta("secret", "sha256=" + hex.ToUpperInvariant(), body));
        Assert.False(WebhookSignatures.VerifyMeta("secret", hex, body));
        Assert.False(WebhookSignatures.VerifyMeta("other", "sha256=" + hex, body));
        Assert.False(WebhookSignatures.VerifyMeta("secret", "sha256=" + hex, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{}"))));
        Assert.True(WebhookSignatures.VerifyHerald("secret", hex, body));
        Assert.True(WebhookSignatures.VerifyHerald("secret", "sha256=" + hex, body));
        Assert.Equal(hex, WebhookSignatures.HeraldSignature("secret", body));
        Assert.False(WebhookSignatures.VerifyHerald("secret", hex[..^2], body));
        Assert.False(WebhookSignatures.VerifyHerald("secret", null, body));
    }

    [Fact]
    public void Form_bodies_decode_plus_and_percent_escapes()
    {
        var form = WebhookForm.Parse("Body=Hello+there%21&To=whatsapp%3A%2B14155238886&Empty=&Flag");
        Assert.Equal("Hello there!", form.Get("Body"));
        Assert.Equal("whatsapp:+14155238886", form.Get("To"));
        Assert.Null(form.Get("Empty"));
        Assert.Equal(4, form.Pairs.Count);
    }

    // ---- Twilio ----

    [Fact]
    public void Twilio_status_callback_maps_to_an_outbound_message_event()
    {
        // The documented status callback of https://www.twilio.com/docs/messaging/guides/track-outbound-message-status (plus To).
        var form = WebhookForm.Of(("AccountSid", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ("From", "+15017250604"),
            ("MessageSid", "SM1342fe1b2c904d1ab04f0fc7a58abca9"), ("MessageStatus", "sent"), ("SmsSid", "SM1342fe1b2c904d1ab04f0fc7a58abca9"),
            ("SmsStatus", "sent"), ("To", "+15558675310"));
        var e = Assert.Single(TwilioMapper.Map(form, Now, WebhookOverrides.None).Events);
        Assert.Equal("SM1342fe1b2c904d1ab04f0fc7a58abca9", e.ItemId);
        Assert.Equal("twilio:SM1342fe1b2c904d1ab04f0fc7a58abca9:sent", e.EventId);
        Assert.Equal(Status.Sent, e.Status);
        Assert.Null(e.Kind);
        Assert.Equal(Now, e.OccurredAtMs);
        Assert.Equal(("sms", "twilio", "outbound", "+15558675310", "US"), (e.Channel, e.Provider, e.Direction, e.Recipient, e.Country));
        Assert.Equal("ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", e.Account);
    }

    [Theory]
    [InlineData("accepted", Status.Queued)]
    [InlineData("scheduled", Status.Queued)]
    [InlineData("queued", Status.Queued)]
    [InlineData("sending", Status.Queued)]
    [InlineData("sent", Status.Sent)]
    [InlineData("delivered", Status.Delivered)]
    [InlineData("undelivered", Status.Undelivered)]
    [InlineData("failed", Status.Failed)]
    [InlineData("canceled", Status.Failed)]
    [InlineData("read", Status.Read)]
    public void Twilio_message_statuses_map_onto_the_message_lattice(string twilio, Status expected)
    {
        Assert.True(TwilioMapper.TryStatus(twilio, out var status));
        Assert.Equal(expected, status);
        Assert.True(StatusLattice.Allows(ItemKind.Message, status));
    }

    [Fact]
    public void Twilio_failures_whatsapp_addresses_and_unknown_statuses()
    {
        var failed = Assert.Single(TwilioMapper.Map(WebhookForm.Of(("MessageSid", "SM1"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003"),
            ("To", "whatsapp:+447700900123"), ("From", "whatsapp:+14155238886")), Now, WebhookOverrides.None).Events);
        Assert.Equal(("30003", "whatsapp", "+447700900123", "GB"), (failed.ErrorCode, failed.Channel, failed.Recipient, failed.Country));
        var canceled = Assert.Single(TwilioMapper.Map(WebhookForm.Of(("MessageSid", "SM2"), ("MessageStatus", "canceled")), Now, WebhookOverrides.None).Events);
        Assert.Equal((Status.Failed, "canceled", "twilio:SM2:failed"), (canceled.Status, canceled.ErrorCode, canceled.EventId));
        Assert.Empty(TwilioMapper.Map(WebhookForm.Of(("MessageSid", "SM3"), ("MessageStatus", "partially_delivered")), Now, WebhookOverrides.None).Events);
        var missing = TwilioMapper.Map(WebhookForm.Of(("MessageStatus", "sent")), Now, WebhookOverrides.None);
        Assert.Equal("MessageSid", missing.Field);
        var overridden = Assert.Single(TwilioMapper.Map(WebhookForm.Of(("MessageSid", "SM4"), ("MessageStatus", "sent"), ("AccountSid", "AC1")), Now,
            new WebhookOverrides(Provider: "twilio-eu", Account: "marketing", Campaign: "spring")).Events);
        Assert.Equal(("twilio-eu", "marketing", "spring"), (overridden.Provider, overridden.Account, overridden.Campaign));
    }

    [Fact]
    public void Twilio_inbound_sms_is_an_inbound_delivered_message_from_the_contact()
    {
        // Fields of an incoming message request: https://www.twilio.com/docs/messaging/guides/webhook-request
        var form = WebhookForm.Of(("ToCountry", "US"), ("SmsMessageSid", "SM9f3b"), ("NumMedia", "0"), ("SmsSid", "SM9f3b"), ("SmsStatus", "received"),
            ("Body", "STOP"), ("To", "+15017250604"), ("NumSegments", "1"), ("MessageSid", "SM9f3b"), ("AccountSid", "AC1"),
            ("From", "+447700900123"), ("ApiVersion", "2010-04-01"));
        var e = Assert.Single(TwilioMapper.Map(form, Now, WebhookOverrides.None).Events);
        Assert.Equal(("SM9f3b", Status.Delivered, "inbound", "+447700900123", "STOP"), (e.ItemId, e.Status, e.Direction, e.Recipient, e.Text));
        Assert.Equal("twilio:SM9f3b:received", e.EventId);
        Assert.Empty(TwilioMapper.Map(WebhookForm.Of(("MessageSid", "MM1"), ("SmsStatus", "receiving")), Now, WebhookOverrides.None).Events);
    }

    [Fact]
    public void Twilio_voice_callbacks_map_to_call_events_at_their_timestamp()
    {
        // Call status callback parameters: https://www.twilio.com/docs/voice/api/call-resource#statuscallback
        var form = WebhookForm.Of(("AccountSid", "AC1"), ("CallSid", "CA5f1c"), ("CallStatus", "completed"), ("CallDuration", "42"), ("Duration", "1"),
            ("Direction", "outbound-api"), ("From", "+15017250604"), ("To", "+4915112345678"), ("SequenceNumber", "3"),
            ("Timestamp", "Mon, 16 Aug 2010 03:45:01 +0000"), ("ApiVersion", "2010-04-01"));
        var e = Assert.Single(TwilioVoiceMapper.Map(form, Now, WebhookOverrides.None).Events);
        Assert.Equal((ItemKind.Call, Status.Completed, "voice", "outbound", "+4915112345678", "DE"), (e.Kind, e.Status, e.Channel, e.Direction, e.Recipient, e.Country));
        Assert.Equal(new DateTimeOffset(2010, 8, 16, 3, 45, 1, TimeSpan.Zero).ToUnixTimeMilliseconds(), e.OccurredAtMs);
        Assert.Equal("twilio-voice:CA5f1c:completed", e.EventId);
        Assert.Contains("\"call_duration\":42", e.MetadataJson);

        var inbound = Assert.Single(TwilioVoiceMapper.Map(WebhookForm.Of(("CallSid", "CA2"), ("CallStatus", "no-answer"), ("Direction", "inbound"),
            ("From", "+447700900123"), ("To", "+15017250604")), Now, WebhookOverrides.None).Events);
        Assert.Equal((Status.NoAnswer, "inbound", "+447700900123", Now), (inbound.Status, inbound.Direction, inbound.Recipient, inbound.OccurredAtMs));
        foreach (var s in new[] { "queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "canceled", "failed" })
        {
            Assert.True(TwilioVoiceMapper.TryStatus(s, out var st), s);
            Assert.True(StatusLattice.Allows(ItemKind.Call, st), s);
        }
        Assert.True(TwilioVoiceMapper.TryRfc2822("Tue, 5 Mar 2024 10:00:00 GMT", out var gmt));
        Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 0, 0, TimeSpan.Zero), gmt);
        Assert.True(TwilioVoiceMapper.TryRfc2822("Tue, 05 Mar 2024 12:00:00 +0200", out var offset));
        Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 0, 0, TimeSpan.Zero), offset);
    }

    // ---- WhatsApp ----

    internal static string WhatsAppStatus(string wamid, string status, long unixSeconds, string recipient = "16315551234", string? errors = null) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
         "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
         "statuses":[{"id":"{{{wamid}}}","status":"{{{status}}}","timestamp":"{{{unixSeconds}}}","recipient_id":"{{{recipient}}}",
           "conversation":{"id":"6ceb9d929c0c2f9e6e6c4e1c8b5b8b5e","origin":{"type":"marketing"}},
           "pricing":{"billable":true,"pricing_model":"CBP","category":"marketing"}{{{ErrorsPart(errors)}}}}]},
         "field":"messages"}]}]}
        """;

    /// <summary>A message echo (smb_message_echoes) of a template message, as Meta sends it for a message sent from the Business app.</summary>
    internal static string WhatsAppTemplateEcho(string wamid, string template, long unixSeconds, string to = "16315551234") => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
         "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
         "message_echoes":[{"from":"15550783881","to":"{{{to}}}","id":"{{{wamid}}}","timestamp":"{{{unixSeconds}}}","type":"template",
           "template":{"name":"{{{template}}}","language":{"code":"en_US"} } } ]},
         "field":"smb_message_echoes"}]}]}
        """;

    [Fact]
    public void WhatsApp_template_echo_names_the_template_and_statuses_name_none()
    {
        long ts = Now / 1000 - 60;
        var echo = Assert.Single(WhatsAppMapper.Map(Json(WhatsAppTemplateEcho("wamid.T", "order_update", ts)), Now, WebhookOverrides.None, Max).Events);
        Assert.Equal(("wamid.T", Status.Sent, "order_update", "outbound", "+16315551234"), (echo.ItemId, echo.Status, echo.Template, echo.Direction, echo.Recipient));
        Assert.Equal("whatsapp:wamid.T:echo", echo.EventId);
        var status = Assert.Single(WhatsAppMapper.Map(Json(WhatsAppStatus("wamid.T", "sent", ts)), Now, WebhookOverrides.None, Max).Events);
        Assert.Null(status.Template);
        Assert.NotEqual(echo.EventId, status.EventId);
        // A text echo is an outbound message without a template.
        string text = WhatsAppTemplateEcho("wamid.U", "x", ts).Replace("\"type\":\"template\"", "\"type\":\"text\"");
        Assert.Null(Assert.Single(WhatsAppMapper.Map(Json(text), Now, WebhookOverrides.None, Max).Events).Template);
    }

    private static string ErrorsPart(string? errors) => errors is null ? "" : ",\"errors\":" + errors;

    [Fact]
    public void WhatsApp_statuses_and_inbound_messages()
    {
        // Shapes of https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
        long ts = Now / 1000 - 60;
        var sent = Assert.Single(WhatsAppMapper.Map(Json(WhatsAppStatus("wamid.HBgLMTYzMTU1NTEyMzQVAgARGBI", "sent", ts)), Now, WebhookOverrides.None, Max).Events);
        Assert.Equal(("wamid.HBgLMTYzMTU1NTEyMzQVAgARGBI", Status.Sent, "whatsapp", "whatsapp", "106540352242922"), (sent.ItemId, sent.Status, sent.Channel, sent.Provider, sent.Account));
        Assert.Equal(("+16315551234", "US", ts * 1000, "whatsapp:wamid.HBgLMTYzMTU1NTEyMzQVAgARGBI:sent"), (sent.Recipient, sent.Country, sent.OccurredAtMs, sent.EventId));
        Assert.Contains("\"pricing_category\":\"marketing\"", sent.MetadataJson);

        const string errors = """[{"code":131026,"title":"Message undeliverable","message":"Message undeliverable","error_data":{"details":"Recipient is not a WhatsApp user"}}]""";
        var failed = Assert.Single(WhatsAppMapper.Map(Json(WhatsAppStatus("wamid.F", "failed", ts, errors: errors)), Now, WebhookOverrides.None, Max).Events);
        Assert.Equal((Status.Failed, "131026", "Message undeliverable: Recipient is not a WhatsApp user"), (failed.Status, failed.ErrorCode, failed.ErrorMessage));

        // Inbound text message, as in Meta's payload examples (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).
        string inbound = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],
             "messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=","timestamp":"{{{ts}}}","text":{"body":"Does it come in another color?"},"type":"text"},
                         {"from":"16505551234","id":"wamid.IMG","timestamp":"{{{ts}}}","type":"image","image":{"mime_type":"image/jpeg","id":"1003383421387256"}}]},
             "field":"messages"}]}]}
            """;
        var events = WhatsAppMapper.Map(Json(inbound), Now, WebhookOverrides.None, Max).Events;
        Assert.Equal(2, events.Count);
        Assert.Equal((Status.Delivered, "inbound", "+16505551234", "Does it come in another color?"), (events[0].Status, events[0].Direction, events[0].Recipient, events[0].Text));
        Assert.EndsWith(":received", events[0].EventId);
        Assert.Equal("image", events[1].Text);

        // Other fields, unknown statuses and non-message changes are ignored; a body that is no object is an error.
        Assert.Empty(WhatsAppMapper.Map(Json("""{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}"""), Now, WebhookOverrides.None, Max).Events);
        Assert.Empty(WhatsAppMapper.Map(Json(WhatsAppStatus("wamid.X", "deleted", ts)), Now, WebhookOverrides.None, Max).Events);
        Assert.True(WhatsAppMapper.Map(Json("[]"), Now, WebhookOverrides.None, Max).IsError);
    }

    // ---- SMPP ----

    [Fact]
    public void Smpp_receipts_parse_in_the_standard_form()
    {
        // SMPP 3.4 Appendix B delivery receipt format.
        Assert.True(SmppMapper.TryParse("id:0123456789 sub:001 dlvrd:001 submit date:2405011200 done date:2405011201 stat:DELIVRD err:000 text:Hello world",
            out var r, out var problem), problem);
        Assert.Equal(("0123456789", "DELIVRD", "000", "Hello world"), (r!.Id, r.Stat, r.Err, r.Text));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 1, 0, TimeSpan.Zero), r.DoneDate);
        Assert.True(SmppMapper.TryParse("id:abc sub:001 dlvrd:000 submit date:240501120000 done date:240501120135 stat:UNDELIV err:001 Text:",
            out r, out problem), problem);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 1, 35, TimeSpan.Zero), r!.DoneDate);
        Assert.Null(r.Text);

        Assert.False(SmppMapper.TryParse("hello", out _, out problem));
        Assert.Contains("id:", problem);
        Assert.False(SmppMapper.TryParse("id:1 done date:2413011200 stat:DELIVRD", out _, out problem));
        Assert.Contains("done date", problem);
        Assert.False(SmppMapper.TryParse("id:1 sub:001 dlvrd:001", out _, out problem));
        Assert.Contains("stat", problem);
    }

    [Fact]
    public void Smpp_error_codes_follow_the_failure_catalog_contract()
    {
        var done = DateTimeOffset.UtcNow.AddMinutes(-5);
        string d = done.ToString("yyMMddHHmm");
        var lines = new[]
        {
            $"id:m1 sub:001 dlvrd:001 submit date:{d} done date:{d} stat:DELIVRD err:000 text:hi",
            $"id:m2 sub:001 dlvrd:000 submit date:{d} done date:{d} stat:UNDELIV err:001 text:absent subscriber",
            $"id:m3 sub:001 dlvrd:000 submit date:{d} done date:{d} stat:EXPIRED err:000 text:",
            $"id:m4 sub:001 dlvrd:000 submit date:{d} done date:{d} stat:REJECTD text:",
            $"id:m5 sub:001 dlvrd:000 submit date:{d} done date:{d} stat:ENROUTE err:000 text:",
            "",
        };
        var events = SmppMapper.Map(lines, Now, new WebhookOverrides(Route: "smsc-a", To: "+33612345678"), Max).Events;
        Assert.Equal(5, events.Count);
        Assert.Equal((Status.Delivered, (string?)null, "smpp:m1:DELIVRD"), (events[0].Status, events[0].ErrorCode, events[0].EventId));
        Assert.Equal((Status.Undelivered, "UNDELIV:001", "absent subscriber"), (events[1].Status, events[1].ErrorCode, events[1].ErrorMessage));
        Assert.Equal((Status.Expired, "EXPIRED"), (events[2].Status, events[2].ErrorCode));
        Assert.Equal((Status.Failed, "REJECTD"), (events[3].Status, events[3].ErrorCode));
        Assert.Equal((Status.Sent, (string?)null), (events[4].Status, events[4].ErrorCode));
        Assert.All(events, e => Assert.Equal(("sms", "smpp", "smsc-a", "+33612345678", "FR"), (e.Channel, e.Provider, e.Route, e.Recipient, e.Country)));
        Assert.Equal(new DateTimeOffset(done.Year, done.Month, done.Day, done.Hour, done.Minute, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), events[0].OccurredAtMs);

        var bad = SmppMapper.Map([lines[0], "id:x stat:WHATEVER"], Now, WebhookOverrides.None, Max);
        Assert.True(bad.IsError);
        Assert.Equal("receipt line 2", bad.Field);
        Assert.Contains("WHATEVER", bad.Issue);
    }

    // ---- SendGrid ----

    [Fact]
    public void SendGrid_events_map_to_email_events_of_the_x_message_id()
    {
        // The example events of https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
        long ts = Now / 1000 - 120;
        string body = $$$"""
            [
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"processed","category":"cat facts","sg_event_id":"rbtnWrG1DVDGGGFHFyun0A==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000"},
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"deferred","category":"cat facts","sg_event_id":"t7LEShmowp86DTdUW8M-GQ==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","response":"400 try again later","attempt":"5"},
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"delivered","category":"cat facts","sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","response":"250 OK"},
              {"email":"example@test.com","timestamp":{{{ts}}},"event":"open","sg_machine_open":false,"category":"cat facts","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","useragent":"Mozilla/4.0","ip":"255.255.255.255"},
              {"email":"example@test.com","timestamp":{{{ts}}},"event":"click","category":"cat facts","sg_event_id":"kCAi1KttyQdEKHhdC-nuEA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","useragent":"Mozilla/4.0","ip":"255.255.255.255","url":"http://www.sendgrid.com/"},
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"bounce","category":"cat facts","sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","reason":"500 unknown recipient","status":"5.0.0","type":"bounce"},
              {"email":"example@test.com","timestamp":{{{ts}}},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"dropped","category":["cat facts","promo"],"sg_event_id":"zmzJhfJgAfUSOW80yEbPyw==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","reason":"Bounced Address","status":"5.0.0"},
              {"email":"example@test.com","timestamp":{{{ts}}},"event":"spamreport","sg_event_id":"37nvH5QBz858KGVYCM4uOA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000"},
              {"email":"example@test.com","timestamp":{{{ts}}},"event":"group_resubscribe","sg_event_id":"x","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","asm_group_id":10},
              {"email":"example@test.com","timestamp":{{{ts}}},"event":"some_future_event","sg_event_id":"y","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001"}
            ]
            """;
        var events = SendGridMapper.Map(Json(body), Now, WebhookOverrides.None, Max).Events;
        Assert.Equal(9, events.Count);
        Assert.All(events, e => Assert.Equal(("14c5d75ce93.dfd.64b469", "email", "sendgrid", "example@test.com", ts * 1000), (e.ItemId, e.Channel, e.Provider, e.Recipient, e.OccurredAtMs)));
        Assert.Equal([Status.Queued, Status.Queued, Status.Delivered, Status.Read, Status.Read, Status.Failed, Status.Failed, Status.Delivered, Status.Delivered],
            events.Select(e => e.Status).ToArray());
        Assert.Equal("sendgrid:rbtnWrG1DVDGGGFHFyun0A==", events[0].EventId);
        Assert.Equal("cat facts", events[0].Campaign);
        Assert.Equal(("400", "400 try again later", 5), (events[1].ErrorCode, events[1].ErrorMessage, events[1].Attempt));
        Assert.Equal(("5.0.0", "500 unknown recipient"), (events[5].ErrorCode, events[5].ErrorMessage));
        Assert.Equal(("5.0.0", "Bounced Address", "cat facts"), (events[6].ErrorCode, events[6].ErrorMessage, events[6].Campaign));
        Assert.Contains("\"sendgrid_event\":\"spamreport\"", events[7].MetadataJson);

        var full = SendGridMapper.Map(Json(body), Now, new WebhookOverrides(Campaign: "override"), Max, fullMessageId: true).Events;
        Assert.Equal("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000", full[0].ItemId);
        Assert.Equal("override", full[0].Campaign);
        Assert.Equal("abc@host", SendGridMapper.ItemIdOf(null, "<abc@host>"));
        Assert.True(SendGridMapper.Map(Json("\"text\""), Now, WebhookOverrides.None, Max).IsError);
    }
}
