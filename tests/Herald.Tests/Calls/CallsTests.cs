using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>Calls to delivery customers through a local fake of Twilio's REST API, and their status callbacks, over real HTTP.</summary>
public sealed class CallsTests(CallsServer shared) : IClassFixture<CallsServer>
{
    private HeraldServer Server => shared.Server;

    internal static Task<FakeTwilioVoice> Twilio() => FakeTwilioVoice.StartAsync("AC" + Guid.NewGuid().ToString("n"), "tw-" + Guid.NewGuid().ToString("n")[..20]);

    [Fact]
    public async Task Placing_a_call_sends_twilio_its_documented_request_and_the_call_becomes_the_deliverys_call_log()
    {
        await using var twilio = await Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (customer, delivery) = await team.CustomerAndDelivery();
        string deliveryId = S(delivery, "id");

        var call = await team.Call(deliveryId);

        var request = Assert.Single(twilio.Requests);
        Assert.Equal(("POST", $"/2010-04-01/Accounts/{twilio.AccountSid}/Calls.json"), (request.Method, request.Path));
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{twilio.AccountSid}:{twilio.AuthToken}")), request.Authorization);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType);
        string Field(string name) => Assert.Single(request.Form, p => p.Key == name).Value;
        string callbacks = Server.BaseAddress.AbsoluteUri.TrimEnd('/');
        Assert.Equal((S(customer, "phone"), "+14155550100"), (Field("To"), Field("From")));
        Assert.Contains("<Say>", Field("Twiml"));
        Assert.Equal($"{callbacks}/webhooks/twilio-voice/{team.WebhookToken}", Field("StatusCallback"));
        Assert.Equal("true", Field("Record"));
        Assert.Equal($"{callbacks}/webhooks/twilio-recording/{team.WebhookToken}", Field("RecordingStatusCallback"));
        Assert.Equal(["initiated", "ringing", "answered", "completed"], request.Form.Where(p => p.Key == "StatusCallbackEvent").Select(p => p.Value));

        Assert.Matches("^CA[0-9a-f]{32}$", S(call, "call_sid"));
        Assert.Equal(("queued", "outbound", "+14155550100", S(customer, "phone"), deliveryId), (S(call, "status"), S(call, "direction"), S(call, "from_number"), S(call, "to_number"), S(call, "delivery_id")));
        Assert.Equal(S(call, "id"), S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{deliveryId}"), "call_log_id"));
        var listed = (await Kit.GetData(team.Client, $"/api/v1/calls?delivery_id={deliveryId}"))["calls"]!.AsArray();
        Assert.Equal([S(call, "id")], listed.Select(c => S(c!, "id")));
        Assert.Equal(S(call, "call_sid"), S(await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}"), "call_sid"));

        // A second call of the same delivery counts the first as a retry.
        var again = await team.Call(deliveryId);
        Assert.Equal((0, 1), (call["retry_count"]!.GetValue<int>(), again["retry_count"]!.GetValue<int>()));
        Assert.Equal(S(again, "id"), S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{deliveryId}"), "call_log_id"));
    }

    [Fact]
    public async Task Status_callbacks_fill_the_call_by_its_sid_and_its_engine_item_names_the_delivery()
    {
        await using var twilio = await Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var agent = await team.Team.Agent();
        var (_, delivery) = await team.CustomerAndDelivery();
        string deliveryId = S(delivery, "id");
        await team.Team.Assign(deliveryId, S(agent, "id"));
        var call = await team.Call(deliveryId);
        string sid = S(call, "call_sid");
        (string, string)[] Callback(string status, params (string, string)[] extra) =>
            [("CallSid", sid), ("AccountSid", twilio.AccountSid), ("CallStatus", status), ("Direction", "outbound-api"), ("To", S(call, "to_number")),
             ("From", "+14155550100"), .. extra];

        foreach (var form in new[] { Callback("ringing"), Callback("in-progress"), Callback("completed", ("CallDuration", "42"), ("Duration", "1")), Callback("ringing") })
            Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-voice", form)).StatusCode);

        var filled = await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}");
        Assert.Equal(("completed", 42), (S(filled, "status"), filled["duration"]!.GetValue<int>()));
        var start = DateTimeOffset.Parse(S(filled, "start_time"), System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(S(filled, "end_time"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(end >= start, $"{start} .. {end}");
        var events = filled["webhook_events"]!.AsArray();
        // Every callback is kept raw, the late ringing too; it did not undo completed.
        Assert.Equal(["ringing", "in-progress", "completed", "ringing"], events.Select(e => S(e!, "event")));
        Assert.Equal("42", S(events[2]!["data"]!, "CallDuration"));

        var item = await Kit.Item(team.Client, sid);
        Assert.NotNull(item);
        string itemJson = item!.ToJsonString();
        Assert.Contains(deliveryId, itemJson);
        Assert.Contains(S(call, "id"), itemJson);
        Assert.Contains(S(agent, "id"), itemJson);
    }

    [Fact]
    public async Task A_busy_call_is_a_failed_call_in_the_failure_analysis_and_its_error_is_kept()
    {
        await using var twilio = await Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        var call = await team.Call(S(delivery, "id"));
        string sid = S(call, "call_sid");
        Assert.Equal(HttpStatusCode.OK, (await team.PostCallback("twilio-voice",
            [("CallSid", sid), ("CallStatus", "busy"), ("Direction", "outbound-api"), ("To", S(call, "to_number")), ("From", "+14155550100"),
             ("ErrorCode", "31486"), ("ErrorMessage", "Busy here")])).StatusCode);

        var busy = await Kit.GetData(team.Client, $"/api/v1/calls/{S(call, "id")}");
        Assert.Equal(("busy", "31486", "Busy here"), (S(busy, "status"), S(busy, "error_code"), S(busy, "error_message")));
        Assert.NotNull(busy["end_time"]);
        var item = await Kit.Item(team.Client, sid);
        Assert.Equal("busy", S(item!, "status"));
        // The failure analysis counts it as today: a busy call is a failure of kind call.
        string window = $"from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-1))}&to={Kit.Format(DateTimeOffset.UtcNow.AddHours(1))}";
        var failures = await Kit.GetData(team.Client, $"/api/v1/failures?{window}");
        Assert.Contains("\"31486\"", failures.ToJsonString());
    }

    [Fact]
    public async Task A_call_outside_the_customers_windows_or_in_quiet_hours_is_a_409_with_the_next_allowed_time()
    {
        await using var twilio = await Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        // A one-hour window two hours ahead (on the next day when that would cross midnight), in UTC.
        var opens = hour.AddHours(2);
        if (opens.Hour >= 23 || opens.Day != hour.Day) opens = new DateTimeOffset(hour.Date.AddDays(1).AddHours(1), TimeSpan.Zero);
        string window = $"{opens:HH}:00-{opens.AddHours(1):HH}:00";
        var (_, delivery) = await team.CustomerAndDelivery(new { preferred_times = new[] { window }, timezone = "UTC" });

        var refused = await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(delivery, "id")}/call", new { });
        var error = await Kit.AssertError(refused, HttpStatusCode.Conflict, field: "next_allowed_at", code: "outside_call_window");
        Assert.Equal(opens.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), S(error["details"]![0]!, "issue"));

        // Quiet hours of the customer's contact around now: the next allowed time is their end.
        var (customer, open) = await team.CustomerAndDelivery(new { timezone = "UTC" });
        Assert.True((await team.Client.PutAsJsonAsync($"/api/v1/contacts/{Uri.EscapeDataString(S(customer, "phone"))}",
            new { time_zone = "UTC", quiet_hours = new { start = $"{hour.AddHours(-1):HH}:00", end = $"{hour.AddHours(2):HH}:00" } })).IsSuccessStatusCode);
        var quiet = await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(open, "id")}/call", new { });
        var quietError = await Kit.AssertError(quiet, HttpStatusCode.Conflict, field: "next_allowed_at", code: "outside_call_window");
        Assert.Equal(hour.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), S(quietError["details"]![0]!, "issue"));

        Assert.Empty(twilio.Requests);
        Assert.Empty((await Kit.GetData(team.Client, "/api/v1/calls"))["calls"]!.AsArray());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_places_no_call()
    {
        await using var twilio = await Twilio();
        var team = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await team.CustomerAndDelivery();
        string path = $"/api/v1/deliveries/{S(delivery, "id")}/call";
        await Kit.AssertError(await team.Client.PostAsJsonAsync(path, new { url = "ftp://example.com/twiml" }), HttpStatusCode.BadRequest, field: "url");
        await Kit.AssertError(await team.Client.PostAsJsonAsync(path, new { message = new string('x', 1001) }), HttpStatusCode.BadRequest, field: "message");
        await Kit.AssertError(await team.Client.PostAsJsonAsync(path, new { colour = "red" }), HttpStatusCode.BadRequest);
        await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/deliveries/del_missing/call", new { }), HttpStatusCode.NotFound);
        await Kit.AssertError(await team.Client.GetAsync("/api/v1/calls?limit=0"), HttpStatusCode.BadRequest, field: "limit");
        Assert.Empty(twilio.Requests);
        Assert.Null((await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(delivery, "id")}"))["call_log_id"]);

        // Twilio refusing the call is a 502 that says so; nothing is stored.
        var noTwilio = await CallTeam.CreateAsync(Server, twilio);
        await Ok(await noTwilio.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { twilio = new { auth_token = "wrong-token" } }));
        var (_, other) = await noTwilio.CustomerAndDelivery();
        await Kit.AssertError(await noTwilio.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(other, "id")}/call", new { }), HttpStatusCode.BadGateway, field: "twilio");
        Assert.Empty((await Kit.GetData(noTwilio.Client, "/api/v1/calls"))["calls"]!.AsArray());
    }

    [Fact]
    public async Task A_team_sees_only_its_own_calls_and_cannot_call_for_another_teams_delivery()
    {
        await using var twilio = await Twilio();
        var a = await CallTeam.CreateAsync(Server, twilio);
        var b = await CallTeam.CreateAsync(Server, twilio);
        var (_, delivery) = await a.CustomerAndDelivery();
        var call = await a.Call(S(delivery, "id"));

        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/calls/{S(call, "id")}"), HttpStatusCode.NotFound);
        Assert.Empty((await Kit.GetData(b.Client, $"/api/v1/calls?delivery_id={S(delivery, "id")}"))["calls"]!.AsArray());
        await Kit.AssertError(await b.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(delivery, "id")}/call", new { }), HttpStatusCode.NotFound);
        // B's callback URL does not reach A's call.
        await b.PostCallback("twilio-voice", [("CallSid", S(call, "call_sid")), ("CallStatus", "completed"), ("To", S(call, "to_number")), ("From", "+14155550100")]);
        Assert.Equal("queued", S(await Kit.GetData(a.Client, $"/api/v1/calls/{S(call, "id")}"), "status"));
    }
}
