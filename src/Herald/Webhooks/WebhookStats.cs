namespace Herald.Webhooks;

public sealed record WebhookProviderStats(string Provider, long Requests, long Errors, double TotalMs, double MaxMs);

/// <summary>
/// Per provider: callbacks handled, how many were answered with an error (4xx/5xx), and their processing time.
/// Lock-free counters, cheap enough for every request; <c>/metrics</c> reads <see cref="Snapshot"/>.
/// </summary>
public sealed class WebhookStats
{
    private sealed class Counter
    {
        public long Requests, Errors, TotalTicks, MaxTicks;
    }

    private readonly Counter[] _counters = new Counter[WebhookProviders.All.Length];

    public WebhookStats()
    {
        for (int i = 0; i < _counters.Length; i++) _counters[i] = new Counter();
    }

    public void Record(int provider, bool ok, long elapsedTicks)
    {
        var c = _counters[provider];
        Interlocked.Increment(ref c.Requests);
        if (!ok) Interlocked.Increment(ref c.Errors);
        Interlocked.Add(ref c.TotalTicks, elapsedTicks);
        long max;
        while (elapsedTicks > (max = Interlocked.Read(ref c.MaxTicks)) && Interlocked.CompareExchange(ref c.MaxTicks, elapsedTicks, max) != max)
        {
        }
    }

    public IReadOnlyList<WebhookProviderStats> Snapshot()
    {
        var list = new WebhookProviderStats[_counters.Length];
        double msPerTick = 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        for (int i = 0; i < _counters.Length; i++)
        {
            var c = _counters[i];
            list[i] = new WebhookProviderStats(WebhookProviders.All[i], Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.Errors),
                Interlocked.Read(ref c.TotalTicks) * msPerTick, Interlocked.Read(ref c.MaxTicks) * msPerTick);
        }
        return list;
    }
}

/// <summary>The providers a webhook URL may name: <c>/webhooks/{provider}/{team_token}</c>.</summary>
public static class WebhookProviders
{
    public const string Twilio = "twilio";
    public const string TwilioVoice = "twilio-voice";
    public const string WhatsApp = "whatsapp";
    public const string Smpp = "smpp";
    public const string Email = "email";

    public static readonly string[] All = [Twilio, TwilioVoice, WhatsApp, Smpp, Email];

    public static int IndexOf(string provider) => Array.IndexOf(All, provider);
}
