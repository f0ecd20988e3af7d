using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.Outbound;

namespace Herald.Senders;

/// <summary>
/// SMS through Twilio's REST API, spoken directly over HttpClient.
/// <para>Not the Twilio SDK (8.2.0, checked against that package): its <c>MessageResource.CreateAsync</c> and
/// <c>AccountResource.FetchAsync</c> take no <see cref="CancellationToken"/> and its <c>SystemNetHttpClient</c> calls
/// <c>SendAsync</c> without one, so neither <c>timeout_ms</c> nor the caller's cancellation could stop a hung request;
/// its <c>Request</c> builds every URL as <c>https://{domain}.twilio.com</c>, so <c>base_url</c> (a regional edge, a proxy, the
/// tests' local endpoint) would need a handler rewriting each request's host; and a non-JSON error (a 503 from a proxy)
/// becomes an <c>ApiException</c> with <c>Status</c> 0 and only the status's name in its text
/// (<c>"Api Error: ServiceUnavailable - ..."</c>), losing the <c>http_503</c> below. The two calls here are the whole API
/// surface Herald needs, and it would also bring Newtonsoft.Json and System.IdentityModel.Tokens.Jwt along.</para>
/// <para>Send: <c>POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json</c>, HTTP Basic auth (AccountSid:AuthToken),
/// an <c>application/x-www-form-urlencoded</c> body of <c>To</c>, <c>From</c> or <c>MessagingServiceSid</c>, <c>Body</c>, and
/// <c>StatusCallback</c> when the message has a callback URL. A 2xx (Twilio answers 201 Created) is success with the JSON
/// <c>sid</c> as <see cref="SendResult.ProviderMessageId"/>; any other status is a failure with Twilio's error JSON
/// <c>code</c> (<c>21211</c>) and <c>message</c>, or <c>http_{status}</c> when the body is not Twilio's error JSON. Requests go
/// through the outbound guard (<see cref="OutboundHttp"/>): an internal base URL is refused unless allow-listed.</para>
/// <para>Validate: <c>GET {base_url}/2010-04-01/Accounts/{account_sid}.json</c> with the same auth; 200 with an account whose
/// <c>status</c> is <c>active</c> (or absent) is ok.</para>
/// References: https://www.twilio.com/docs/messaging/api/message-resource (create a Message),
/// https://twilio.com/docs/iam/api (base URL, Basic auth with Account SID and Auth Token),
/// https://www.twilio.com/docs/iam/api/account (fetch an Account),
/// https://www.twilio.com/docs/usage/twilios-response (the error JSON: code, message, more_info, status).
/// <para>Settings: <c>account_sid</c> (required), <c>auth_token</c> (required), <c>from</c> (a Twilio phone number) or
/// <c>messaging_service_sid</c> (one required; the service wins when both are set), <c>base_url</c> (default
/// <c>https://api.twilio.com</c>), <c>timeout_ms</c> (default 15000).</para>
/// </summary>
public sealed class TwilioSender(IHttpClientFactory httpClientFactory) : IMessageSender
{
    public const string DefaultBaseUrl = "https://api.twilio.com";

    public string Kind => "twilio";

    public bool Supports(string channel) => SenderResults.IsChannel(channel, "sms");

    public async Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var clock = Stopwatch.StartNew();
        if (!Supports(message.Channel))
            return SendResult.Fail(SendErrorCodes.UnsupportedChannel, $"twilio sends sms, not '{message.Channel}'", clock.Elapsed);
        Options options;
        try
        {
            options = Options.Read(new SenderSettings(settings, Kind), Kind, forSending: true);
        }
        catch (SettingsException e)
        {
            return SendResult.Fail(SendErrorCodes.ConfigInvalid, e.Message, clock.Elapsed);
        }

        var form = new List<KeyValuePair<string, string>> { new("To", message.To ?? "") };
        form.Add(options.MessagingServiceSid is not null ? new("MessagingServiceSid", options.MessagingServiceSid) : new("From", options.From!));
        form.Add(new("Body", message.Body ?? ""));
        if (!string.IsNullOrWhiteSpace(message.StatusCallbackUrl)) form.Add(new("StatusCallback", message.StatusCallbackUrl));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{options.AccountUrl}/Messages.json") { Content = new FormUrlEncodedContent(form) };
        var (response, failure) = await ExchangeAsync(request, options, ct);
        if (failure is not null) return SendResult.Fail(failure.Value.Code, failure.Value.Message, clock.Elapsed);
        var (status, json) = response!.Value;
        if (status is >= 200 and < 300)
        {
            var sid = json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("sid", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            return SendResult.Ok(sid, clock.Elapsed);
        }
        var (code, text) = ErrorOf(status, json);
        return SendResult.Fail(code, text, clock.Elapsed);
    }

    public async Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        Options options;
        try
        {
            options = Options.Read(new SenderSettings(settings, Kind), Kind, forSending: false);
        }
        catch (SettingsException e)
        {
            return new ValidationResult(false, SenderResults.Describe(SendErrorCodes.ConfigInvalid, e.Message), clock.Elapsed);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{options.AccountUrl}.json");
        var (response, failure) = await ExchangeAsync(request, options, ct);
        if (failure is not null) return new ValidationResult(false, SenderResults.Describe(failure.Value.Code, failure.Value.Message), clock.Elapsed);
        var (status, json) = response!.Value;
        if (status != 200)
        {
            var (code, text) = ErrorOf(status, json);
            return new ValidationResult(false, SenderResults.Describe(code, text), clock.Elapsed);
        }
        var accountStatus = json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
        return accountStatus is null or "active"
            ? new ValidationResult(true, null, clock.Elapsed)
            : new ValidationResult(false, SenderResults.Describe("account_" + accountStatus, $"the Twilio account {options.AccountSid} is {accountStatus}"), clock.Elapsed);
    }

    /// <summary>Sends with auth and the timeout; answers the status and the body as JSON (null when not JSON), or a failure.</summary>
    private async Task<((int Status, JsonElement? Json)? Response, (string Code, string Message)? Failure)> ExchangeAsync(
        HttpRequestMessage request, Options options, CancellationToken ct)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        var client = httpClientFactory.CreateClient(OutboundHttp.ClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            JsonElement? json = null;
            try
            {
                if (!string.IsNullOrWhiteSpace(body))
                {
                    using var document = JsonDocument.Parse(body);
                    json = document.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // Not JSON: the status alone describes the answer.
            }
            return (((int)response.StatusCode, json), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, (SendErrorCodes.Timeout, $"Twilio did not answer within {options.Timeout.TotalMilliseconds:0} ms"));
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or OutboundRefusedException
                                             || e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError)
        {
            return (null, (SendErrorCodes.ConnectFailed, "cannot reach Twilio: " + OutboundFailure.Describe(e)));
        }
        catch (HttpRequestException e)
        {
            return (null, (SendErrorCodes.ConnectionLost, "the exchange with Twilio failed: " + OutboundFailure.Describe(e)));
        }
    }

    /// <summary>Twilio's error JSON (<c>{"code":21211,"message":"...","more_info":"...","status":400}</c>) to a code and message.</summary>
    private static (string Code, string Message) ErrorOf(int status, JsonElement? json)
    {
        if (json is { ValueKind: JsonValueKind.Object } o)
        {
            var code = o.TryGetProperty("code", out var c) ? c.ValueKind switch
            {
                JsonValueKind.Number => c.GetRawText(),
                JsonValueKind.String => c.GetString(),
                _ => null,
            } : null;
            var message = o.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var moreInfo = o.TryGetProperty("more_info", out var mi) && mi.ValueKind == JsonValueKind.String ? mi.GetString() : null;
            if (code is not null) return (code, message ?? $"HTTP {status}" + (moreInfo is null ? "" : $" ({moreInfo})"));
        }
        // Anything but Twilio's error JSON is not repeated: it would show the team what answers at the configured URL.
        return ($"http_{status}", $"HTTP {status}");
    }

    private sealed record Options(string AccountSid, string AuthToken, string? From, string? MessagingServiceSid, string BaseUrl, TimeSpan Timeout)
    {
        public string AccountUrl => $"{BaseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(AccountSid)}";

        public static Options Read(SenderSettings s, string kind, bool forSending)
        {
            var sid = s.Required("account_sid");
            var token = s.Required("auth_token");
            var from = s.Optional("from");
            var service = s.Optional("messaging_service_sid");
            if (forSending && from is null && service is null)
                throw new SettingsException($"{kind}: the setting 'from' (a Twilio phone number) or 'messaging_service_sid' is required");
            var baseUrl = (s.Optional("base_url") ?? DefaultBaseUrl).TrimEnd('/');
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                throw new SettingsException($"{kind}: the setting 'base_url' must be an http(s) URL, not '{baseUrl}'");
            return new Options(sid, token, from, service, baseUrl, TimeSpan.FromMilliseconds(s.Int("timeout_ms", 15_000, 1, 600_000)));
        }
    }
}
