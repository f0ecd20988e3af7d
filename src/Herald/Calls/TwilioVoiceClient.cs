using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json;
using Herald.Deliveries;
using Herald.Outbound;

namespace Herald.Calls;

/// <summary>What Twilio answered to a new call.</summary>
public sealed record TwilioCall(string Sid, string Status, string? From, string? To, string? Direction);

/// <summary>Twilio refused the request or could not be reached; <see cref="Exception.Message"/> is safe to show the team.</summary>
public sealed class TwilioException(string message, string? code = null) : Exception(message)
{
    public string? Code { get; } = code;
}

/// <summary>
/// Twilio Voice's REST API (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource): a call is a
/// form POST to <c>{base_url}/2010-04-01/Accounts/{AccountSid}/Calls.json</c> with HTTP Basic auth AccountSid:AuthToken.
/// Every request goes through the outbound guard (the team's base_url is the team's to choose).
/// </summary>
public sealed class TwilioVoiceClient(IHttpClientFactory clients, CallOptions options)
{
    /// <summary>The call progress events Herald asks Twilio to report.</summary>
    public static readonly string[] StatusCallbackEvents = ["initiated", "ringing", "answered", "completed"];

    /// <summary>Places the call: the TwiML URL when given, else a TwiML that says the message and records the answer.</summary>
    public async Task<TwilioCall> PlaceCallAsync(TwilioSettings account, string to, string? twimlUrl, string? message, string statusCallback,
        string recordingCallback, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>> { new("To", to), new("From", account.FromNumber) };
        if (twimlUrl is not null) form.Add(new("Url", twimlUrl));
        else form.Add(new("Twiml", Twiml(message ?? options.DefaultMessage, options.RecordSeconds)));
        form.Add(new("StatusCallback", statusCallback));
        form.Add(new("StatusCallbackMethod", "POST"));
        foreach (var e in StatusCallbackEvents) form.Add(new("StatusCallbackEvent", e));
        form.Add(new("Record", "true"));
        form.Add(new("RecordingStatusCallback", recordingCallback));
        form.Add(new("RecordingStatusCallbackMethod", "POST"));
        form.Add(new("RecordingStatusCallbackEvent", "completed"));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{account.BaseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(account.AccountSid)}/Calls.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = Basic(account);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.TwilioTimeout);
        string body;
        int status;
        try
        {
            using var response = await clients.CreateClient(OutboundHttp.ClientName).SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new TwilioException($"Twilio could not be reached: {OutboundFailure.Describe(e)}");
        }
        using var json = TryParse(body);
        var root = json?.RootElement;
        if (status is < 200 or > 299)
        {
            string? code = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("code", out var c) ? c.ToString() : null;
            string? text = root is { ValueKind: JsonValueKind.Object } r2 && r2.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            throw new TwilioException($"Twilio refused the call ({status}){(text is null ? "" : ": " + Cut(text))}", code);
        }
        if (root is not { ValueKind: JsonValueKind.Object } call || !call.TryGetProperty("sid", out var sid) || sid.ValueKind != JsonValueKind.String
            || sid.GetString() is not { Length: > 0 and <= 64 } callSid)
            throw new TwilioException("Twilio's answer has no call sid");
        return new TwilioCall(callSid, Str(call, "status") ?? "queued", Str(call, "from"), Str(call, "to"), Str(call, "direction"));
    }

    /// <summary>HTTP Basic credentials of the team's account.</summary>
    public static AuthenticationHeaderValue Basic(TwilioSettings account) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{account.AccountSid}:{account.AuthToken}")));

    /// <summary>Says the message, then holds the line <paramref name="seconds"/> for the customer's answer (the call itself is recorded).</summary>
    public static string Twiml(string message, int seconds) =>
        $"<Response><Say>{SecurityElement.Escape(message)}</Say><Pause length=\"{seconds}\"/></Response>";

    private static JsonDocument? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;
}
