using System.Globalization;
using Herald.Domain;

namespace Herald.Simulation;

/// <summary>
/// The state of one <see cref="TrafficGenerator.Generate"/> enumeration: one seeded <see cref="Random"/>, the
/// clock, and a heap of the in-flight items' future events. Each call to <see cref="Next"/> either emits the
/// earliest due pending event or starts a new item (whose first, app event is emitted at once).
/// </summary>
internal sealed class GeneratorRun
{
    private const double OtpTtlMs = 300_000;
    private const int KindSlots = 5;

    private static readonly double[] MessageChannelCumulative = TrafficCatalog.Cumulative([0.50, 0.30, 0.20]);
    private static readonly double[] OtpChannelCumulative = TrafficCatalog.Cumulative([0.80, 0.17, 0.03]);
    private static readonly double[] InboundChannelCumulative = TrafficCatalog.Cumulative([0.70, 0.30]);
    private static readonly double[] SegmentsCumulative = TrafficCatalog.Cumulative([0.75, 0.20, 0.05]);
    private static readonly double[] InboundTextCumulative = TrafficCatalog.Cumulative(TrafficCatalog.InboundTextWeights);
    private static readonly double[] CallFailureCumulative = TrafficCatalog.FailureWeights(TrafficCatalog.CallFailures);
    private static readonly double[] ParcelFailureCumulative = TrafficCatalog.FailureWeights(TrafficCatalog.ParcelFailures);
    private static readonly double[] SmsCumulative = ProviderCumulative(TrafficCatalog.SmsProviders);
    private static readonly double[] WhatsAppCumulative = ProviderCumulative(TrafficCatalog.WhatsAppProviders);
    private static readonly double[] EmailCumulative = ProviderCumulative(TrafficCatalog.EmailProviders);
    private static readonly double[] VoiceCumulative = ProviderCumulative(TrafficCatalog.VoiceProviders);
    private static readonly double[] CourierCumulative = ProviderCumulative(TrafficCatalog.CourierProviders);

    private readonly Random _rng;
    private readonly TeamWorld[] _teams;
    private readonly double[] _teamCumulative;
    private readonly double[] _kindCumulative;
    private readonly TimeProvider? _clock;
    private readonly PendingEventHeap _heap = new();
    private readonly LifecycleStep[] _steps = new LifecycleStep[16];
    private int _stepCount;

    private readonly double _duplicateRate, _outOfOrderRate, _lateDimensionRate, _missingIdRate, _explicitCountryRate, _inboundRate;
    private readonly double _itemsPerSecond, _timeScale;
    private readonly bool _dailyCycle;

    private readonly string[][] _itemPrefixes; // [team][kind] -> "msg_acme_" (with the run tag when set)
    private readonly long[] _itemCounters;
    private readonly string _eventPrefix;
    private long _eventCounter;
    private long _seq;

    private double _nextArrivalMs; // simulated mode
    private long _nowMs;           // emission clock (both modes)
    private double _spareNormal;
    private bool _hasSpareNormal;

    public GeneratorRun(SimulationProfile profile, TeamWorld[] teams, double[] teamCumulative, TimeProvider? realTimeClock)
    {
        _rng = new Random(profile.Seed);
        _teams = teams;
        _teamCumulative = teamCumulative;
        _kindCumulative = TrafficCatalog.Cumulative([profile.MessageShare, profile.OtpShare, profile.CallShare, profile.ParcelShare]);
        _clock = realTimeClock;
        _duplicateRate = profile.DuplicateRate;
        _outOfOrderRate = profile.OutOfOrderRate;
        _lateDimensionRate = profile.LateDimensionRate;
        _missingIdRate = profile.MissingEventIdRate;
        _explicitCountryRate = profile.ExplicitCountryRate;
        _inboundRate = profile.InboundRate;
        _itemsPerSecond = profile.ItemsPerSecond;
        _timeScale = profile.LifecycleTimeScale;
        _dailyCycle = profile.DailyCycle;

        long start = realTimeClock is null ? profile.StartTimeMs : realTimeClock.GetUtcNow().ToUnixTimeMilliseconds();
        _nowMs = start;
        _nextArrivalMs = start;

        string? tag = profile.RunTag;
        if (tag is null && realTimeClock is not null) tag = ToBase36(start);
        string tagPart = string.IsNullOrEmpty(tag) ? "" : tag + "_";
        _eventPrefix = "evt_" + tagPart;
        _itemPrefixes = new string[teams.Length][];
        for (int t = 0; t < teams.Length; t++)
        {
            var prefixes = new string[KindSlots];
            prefixes[(int)ItemKind.Message] = "msg_" + teams[t].Name + "_" + tagPart;
            prefixes[(int)ItemKind.Otp] = "otp_" + teams[t].Name + "_" + tagPart;
            prefixes[(int)ItemKind.Call] = "call_" + teams[t].Name + "_" + tagPart;
            prefixes[(int)ItemKind.Parcel] = "pcl_" + teams[t].Name + "_" + tagPart;
            _itemPrefixes[t] = prefixes;
        }
        _itemCounters = new long[teams.Length];
    }

    /// <summary>Items started but not finished, plus duplicates waiting: the memory the run holds.</summary>
    public int PendingCount => _heap.Count;

    public SimulatedEvent Next()
    {
        if (_clock is not null)
        {
            long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (now > _nowMs) _nowMs = now;
            if (_heap.Count > 0 && _heap.PeekEmitAt <= _nowMs) return EmitPending();
            return StartItem(_nowMs);
        }

        long arrival = (long)_nextArrivalMs;
        if (_heap.Count > 0 && _heap.PeekEmitAt <= arrival) return EmitPending();
        AdvanceArrival();
        if (arrival > _nowMs) _nowMs = arrival;
        return StartItem(arrival);
    }

    private void AdvanceArrival()
    {
        double rate = _itemsPerSecond;
        if (_dailyCycle)
        {
            double dayFraction = (_nextArrivalMs % 86_400_000d) / 86_400_000d;
            rate *= 1 + 0.6 * Math.Sin(2 * Math.PI * (dayFraction - 0.375)); // peak at 15:00 UTC, trough at 03:00
        }
        _nextArrivalMs += -Math.Log(1 - _rng.NextDouble()) * 1000d / rate;
    }

    private SimulatedEvent EmitPending()
    {
        var pending = _heap.Pop();
        if (pending.EmitAt > _nowMs) _nowMs = pending.EmitAt;
        if (pending.Duplicate is not null) return new SimulatedEvent(pending.Item.TeamName, pending.Duplicate);
        return Emit(pending.Item, in pending.Step);
    }

    private SimulatedEvent Emit(SimItem item, in LifecycleStep step)
    {
        bool dimensions = step.App || _rng.NextDouble() >= _lateDimensionRate;
        string? eventId = _rng.NextDouble() < _missingIdRate ? null : NextEventId();
        // A dimension-less callback names only the item; it keeps what is about the event itself.
        var e = new IncomingEvent
        {
            EventId = eventId,
            ItemId = item.ItemId,
            Kind = dimensions ? item.Kind : null,
            Status = step.Status,
            OccurredAtMs = step.At,
            Account = dimensions ? item.Account : null,
            Channel = dimensions ? item.Channel : null,
            Provider = dimensions ? item.Provider : null,
            Route = dimensions ? item.Route : null,
            Campaign = dimensions && step.App ? item.Campaign : null,
            Recipient = dimensions ? item.Recipient : null,
            Country = dimensions ? item.Country : null,
            Direction = dimensions ? item.Direction : null,
            ErrorCode = step.Error?.Code,
            ErrorMessage = step.Error?.Message,
            Cost = double.IsNaN(step.Cost) ? null : step.Cost,
            Attempt = step.Attempt == 0 ? null : step.Attempt,
            Text = step.Text,
            MetadataJson = step.Metadata,
        };

        if (_duplicateRate > 0 && _rng.NextDouble() < _duplicateRate)
        {
            // A retried webhook: the very same payload, 0.1 to 30 s later.
            _heap.Push(new PendingEvent { EmitAt = _nowMs + 100 + _rng.Next(29_900), Seq = _seq++, Item = item, Duplicate = e });
        }
        return new SimulatedEvent(item.TeamName, e);
    }

    private string NextEventId() =>
        string.Create(CultureInfo.InvariantCulture, stackalloc char[64], $"{_eventPrefix}{++_eventCounter}");

    // --- items -----------------------------------------------------------------------------------------

    private SimulatedEvent StartItem(long t0)
    {
        int teamIndex = TrafficCatalog.Pick(_rng, _teamCumulative);
        var team = _teams[teamIndex];
        var kind = (ItemKind)(TrafficCatalog.Pick(_rng, _kindCumulative) + 1);
        string itemId = string.Create(CultureInfo.InvariantCulture, stackalloc char[96],
            $"{_itemPrefixes[teamIndex][(int)kind]}{++_itemCounters[teamIndex]}");

        _stepCount = 0;
        SimItem item = kind switch
        {
            ItemKind.Message when _rng.NextDouble() < _inboundRate => BuildInbound(team, itemId, t0),
            ItemKind.Call => BuildCall(team, itemId, t0),
            ItemKind.Parcel => BuildParcel(team, itemId, t0),
            _ => BuildMessage(team, itemId, kind, t0),
        };

        int count = _stepCount;
        int swapAt = -1;
        if (count >= 3 && _rng.NextDouble() < _outOfOrderRate)
            swapAt = 1 + _rng.Next(count - 2); // a callback and its successor arrive swapped
        for (int i = 1; i < count; i++)
        {
            long emitAt = _steps[i].At;
            if (i == swapAt) emitAt = _steps[i + 1].At + 1 + _rng.Next(2_000);
            _heap.Push(new PendingEvent { EmitAt = emitAt, Seq = _seq++, Item = item, Step = _steps[i] });
        }
        return Emit(item, in _steps[0]);
    }

    private SimItem NewItem(TeamWorld team, string itemId, ItemKind kind, string channel, ProviderSpec provider, int route,
        string recipient, CountrySpec country, string direction) => new()
    {
        TeamName = team.Name,
        ItemId = itemId,
        Kind = kind,
        Channel = channel,
        Provider = provider.Name,
        Route = provider.Routes[route],
        Recipient = recipient,
        Country = _rng.NextDouble() < _explicitCountryRate ? country.Code : null,
        Direction = direction,
    };

    private SimItem BuildMessage(TeamWorld team, string itemId, ItemKind kind, long t0)
    {
        bool otp = kind == ItemKind.Otp;
        int campaign = !otp && team.Campaigns.Length > 0 && _rng.NextDouble() < 0.75
            ? TrafficCatalog.Pick(_rng, team.CampaignCumulative)
            : -1;
        int channelIndex = TrafficCatalog.Pick(_rng, otp ? OtpChannelCumulative : MessageChannelCumulative);
        var (channel, providers, providerCumulative) = channelIndex switch
        {
            0 => (TrafficCatalog.Sms, TrafficCatalog.SmsProviders, SmsCumulative),
            1 => (TrafficCatalog.WhatsApp, TrafficCatalog.WhatsAppProviders, WhatsAppCumulative),
            _ => (TrafficCatalog.Email, TrafficCatalog.EmailProviders, EmailCumulative),
        };
        var provider = providers[TrafficCatalog.Pick(_rng, providerCumulative)];
        int route = TrafficCatalog.Pick(_rng, provider.RouteCumulative);
        int recipientIndex = _rng.Next(team.Phones.Length);
        var country = TrafficCatalog.Countries[team.PhoneCountry[recipientIndex]];
        bool email = channel == TrafficCatalog.Email;
        string recipient = email ? team.Emails[recipientIndex] : team.Phones[recipientIndex];

        var item = NewItem(team, itemId, kind, channel, provider, route, recipient, country, TrafficCatalog.Outbound);
        item.Account = team.Accounts[otp ? team.OtpAccount
            : campaign >= 0 ? team.MarketingAccounts[_rng.Next(team.MarketingAccounts.Length)]
            : team.TransactionalAccount];
        if (campaign >= 0) item.Campaign = team.Campaigns[campaign];

        var (metadata, cost) = MetadataAndCost(team, channelIndex, otp, campaign, provider, country);
        Add(t0, otp ? Status.Pending : Status.Queued, 0, app: true, metadata: metadata);
        double deliverRate = provider.DeliveryRate * provider.RouteFactors[route] * (email ? 1 : country.DeliveryFactor);
        AddAttempts(t0, otp, channelIndex, email, provider, deliverRate, cost);
        return item;
    }

    /// <summary>What the app reports with the message (SMS segments, WhatsApp category) and what one attempt costs.</summary>
    private (string? Metadata, double Cost) MetadataAndCost(TeamWorld team, int channelIndex, bool otp, int campaign, ProviderSpec provider, CountrySpec country)
    {
        if (channelIndex == 0)
        {
            int segments = otp ? 1 : TrafficCatalog.Pick(_rng, SegmentsCumulative) + 1;
            return (otp ? TrafficCatalog.OtpMetadata : TrafficCatalog.SmsSegmentsMetadata[segments - 1],
                Math.Round(country.SmsCost * provider.CostMultiplier * segments, 5));
        }
        if (channelIndex == 1)
        {
            string metadata = otp ? TrafficCatalog.WhatsAppOtpMetadata
                : campaign >= 0 ? team.CampaignWhatsAppMetadata[campaign]
                : TrafficCatalog.WhatsAppUtilityMetadata;
            return (metadata, Math.Round(country.WhatsAppCost * (otp ? 0.5 : campaign >= 0 ? 1 : 0.4), 5));
        }
        return (otp ? TrafficCatalog.OtpMetadata : null, 0.0001);
    }

    /// <summary>The provider's callbacks: a delivery, or a failure that a transient error may retry once.</summary>
    private void AddAttempts(long t0, bool otp, int channelIndex, bool email, ProviderSpec provider, double deliverRate, double cost)
    {
        long t = t0;
        byte attempt = 1;
        while (true)
        {
            long sentAt = t + Dur(LogNormal(provider.SubmitMedianMs, 0.6));
            if (_rng.NextDouble() < deliverRate)
            {
                Add(sentAt, Status.Sent, attempt, cost: cost);
                AddDelivery(sentAt, attempt, otp, channelIndex, email, provider);
                break;
            }

            var failure = provider.Failures[TrafficCatalog.Pick(_rng, provider.FailureCumulative)];
            var status = otp && failure.Status == Status.Undelivered ? Status.Failed : failure.Status;
            long failedAt;
            if (failure.BeforeSent)
            {
                failedAt = sentAt;
            }
            else
            {
                Add(sentAt, Status.Sent, attempt, cost: cost);
                failedAt = failure.Status == Status.Expired
                    ? sentAt + Dur(otp ? OtpTtlMs : email ? 4 * 3_600_000d : 3_600_000d)
                    : sentAt + Dur(LogNormal(provider.MedianLatencyMs * 1.5, provider.LatencySigma));
            }
            Add(failedAt, status, attempt, failure.Error);
            if (failure.Transient && attempt == 1 && _rng.NextDouble() < 0.5)
            {
                t = failedAt + Dur(LogNormal(60_000, 0.5));
                attempt = 2;
                continue;
            }
            break;
        }
    }

    /// <summary>A delivered attempt: an OTP may expire first; WhatsApp and email may be read, WhatsApp replied to.</summary>
    private void AddDelivery(long sentAt, byte attempt, bool otp, int channelIndex, bool email, ProviderSpec provider)
    {
        long deliveredAt = sentAt + Dur(LogNormal(provider.MedianLatencyMs, provider.LatencySigma));
        if (otp)
        {
            long ttl = Dur(OtpTtlMs);
            if (deliveredAt - sentAt > ttl)
            {
                Add(sentAt + ttl, Status.Expired, attempt, TrafficCatalog.OtpExpired);
                if (_rng.NextDouble() < 0.4) Add(deliveredAt, Status.Delivered, attempt); // late, still counts
            }
            else
            {
                Add(deliveredAt, Status.Delivered, attempt);
            }
        }
        else if (channelIndex == 1)
        {
            bool readWithoutDelivered = _rng.NextDouble() < 0.03;
            if (!readWithoutDelivered) Add(deliveredAt, Status.Delivered, attempt);
            if (readWithoutDelivered || _rng.NextDouble() < 0.65)
            {
                long readAt = deliveredAt + Dur(LogNormal(180_000, 1.2));
                Add(readAt, Status.Read, attempt);
                if (_rng.NextDouble() < 0.12) Add(readAt + Dur(LogNormal(240_000, 1.0)), Status.Replied, attempt);
            }
        }
        else
        {
            Add(deliveredAt, Status.Delivered, attempt);
            if (email && _rng.NextDouble() < 0.25) Add(deliveredAt + Dur(LogNormal(1_200_000, 1.2)), Status.Read, attempt);
        }
    }

    private SimItem BuildInbound(TeamWorld team, string itemId, long t0)
    {
        bool whatsapp = TrafficCatalog.Pick(_rng, InboundChannelCumulative) == 1;
        var provider = whatsapp
            ? TrafficCatalog.WhatsAppProviders[TrafficCatalog.Pick(_rng, WhatsAppCumulative)]
            : TrafficCatalog.SmsProviders[TrafficCatalog.Pick(_rng, SmsCumulative)];
        int route = TrafficCatalog.Pick(_rng, provider.RouteCumulative);
        int recipientIndex = _rng.Next(team.Phones.Length);
        var country = TrafficCatalog.Countries[team.PhoneCountry[recipientIndex]];
        var item = NewItem(team, itemId, ItemKind.Message, whatsapp ? TrafficCatalog.WhatsApp : TrafficCatalog.Sms,
            provider, route, team.Phones[recipientIndex], country, TrafficCatalog.Inbound);
        bool replyToCampaign = team.Campaigns.Length > 0 && _rng.NextDouble() < 0.2;
        if (replyToCampaign) item.Campaign = team.Campaigns[TrafficCatalog.Pick(_rng, team.CampaignCumulative)];
        item.Account = team.Accounts[replyToCampaign ? team.MarketingAccounts[0] : team.TransactionalAccount];
        string text = TrafficCatalog.InboundTexts[TrafficCatalog.Pick(_rng, InboundTextCumulative)];
        Add(t0, Status.Delivered, 0, app: true, text: text);
        return item;
    }

    private SimItem BuildCall(TeamWorld team, string itemId, long t0)
    {
        var provider = TrafficCatalog.VoiceProviders[TrafficCatalog.Pick(_rng, VoiceCumulative)];
        int route = TrafficCatalog.Pick(_rng, provider.RouteCumulative);
        int recipientIndex = _rng.Next(team.Phones.Length);
        var country = TrafficCatalog.Countries[team.PhoneCountry[recipientIndex]];
        var item = NewItem(team, itemId, ItemKind.Call, TrafficCatalog.Voice, provider, route, team.Phones[recipientIndex],
            country, TrafficCatalog.Outbound);
        item.Account = team.Accounts[team.SupportAccount];
        double perMinute = Math.Round(Math.Max(0.013, country.SmsCost * 1.5), 4);

        Add(t0, Status.Queued, 0, app: true);
        if (_rng.NextDouble() < 0.03)
        {
            var failure = TrafficCatalog.CallFailures[TrafficCatalog.Pick(_rng, CallFailureCumulative)];
            Add(t0 + Dur(LogNormal(400, 0.5)), Status.Failed, 1, failure.Error);
            return item;
        }

        double answerRate = provider.DeliveryRate * provider.RouteFactors[route] * country.DeliveryFactor;
        long t = t0;
        byte attempt = 1;
        while (true)
        {
            long ringingAt = t + Dur(LogNormal(1_500, 0.5));
            Add(ringingAt, Status.Ringing, attempt);
            if (attempt == 1 && _rng.NextDouble() < 0.02)
            {
                Add(ringingAt + Dur(LogNormal(6_000, 0.5)), Status.Canceled, attempt, TrafficCatalog.CallCanceled);
                return item;
            }

            double r = _rng.NextDouble();
            if (r < answerRate)
            {
                long answeredAt = ringingAt + Dur(LogNormal(9_000, 0.5));
                Add(answeredAt, Status.InProgress, attempt);
                double durationMs = Math.Clamp(LogNormal(75_000, 0.9), 3_000, 3_600_000);
                int seconds = (int)Math.Ceiling(durationMs / 1000);
                int minutes = (seconds + 59) / 60;
                string metadata = string.Create(CultureInfo.InvariantCulture, stackalloc char[80],
                    $"{{\"duration_seconds\":{seconds},\"billable_minutes\":{minutes}}}");
                Add(answeredAt + Dur(durationMs), Status.Completed, attempt, cost: Math.Round(minutes * perMinute, 4), metadata: metadata);
                return item;
            }

            long endedAt;
            if (r < answerRate + (1 - answerRate) * 0.4)
            {
                endedAt = ringingAt + Dur(LogNormal(4_000, 0.4));
                Add(endedAt, Status.Busy, attempt, TrafficCatalog.CallBusy);
            }
            else
            {
                endedAt = ringingAt + Dur(20_000 + _rng.NextDouble() * 25_000);
                Add(endedAt, Status.NoAnswer, attempt, TrafficCatalog.CallNoAnswer);
            }
            if (attempt == 1 && _rng.NextDouble() < 0.3)
            {
                t = endedAt + Dur(LogNormal(300_000, 0.5));
                attempt = 2;
                continue;
            }
            return item;
        }
    }

    private SimItem BuildParcel(TeamWorld team, string itemId, long t0)
    {
        var provider = TrafficCatalog.CourierProviders[TrafficCatalog.Pick(_rng, CourierCumulative)];
        int route = TrafficCatalog.Pick(_rng, provider.RouteCumulative);
        bool express = provider.Routes[route] == "express";
        int recipientIndex = _rng.Next(team.Phones.Length);
        var country = TrafficCatalog.Countries[team.PhoneCountry[recipientIndex]];
        var item = NewItem(team, itemId, ItemKind.Parcel, TrafficCatalog.Courier, provider, route, team.Phones[recipientIndex],
            country, TrafficCatalog.Outbound);
        item.Account = team.Accounts[team.LogisticsAccount];

        double basePrice = provider.Name == "dhl" ? 8.5 : 7.9;
        double price = Math.Round(basePrice * (express ? 1.6 : 1) + _rng.NextDouble() * 4, 2);
        int grams = 200 + _rng.Next(9_800);
        int pieces = _rng.NextDouble() < 0.15 ? 2 : 1;
        string metadata = string.Create(CultureInfo.InvariantCulture, stackalloc char[96],
            $"{{\"service\":\"{provider.Routes[route]}\",\"weight_grams\":{grams},\"pieces\":{pieces}}}");
        Add(t0, Status.Scheduled, 0, app: true, cost: price, metadata: metadata);

        if (_rng.NextDouble() < 0.02)
        {
            Add(t0 + Dur(LogNormal(1_800_000, 0.8)), Status.Cancelled, 0, TrafficCatalog.ParcelCancelled);
            return item;
        }
        long assignedAt = t0 + Dur(LogNormal(1_200_000, 0.7));
        Add(assignedAt, Status.Assigned, 1);
        long transitAt = assignedAt + Dur(LogNormal(2_700_000, 0.6));
        Add(transitAt, Status.InTransit, 1);

        double completeRate = Math.Min(0.995, provider.DeliveryRate * provider.RouteFactors[route] * Math.Sqrt(country.DeliveryFactor));
        byte attempt = 1;
        while (true)
        {
            long endedAt = transitAt + Dur(LogNormal(express ? 3_600_000 : 7_200_000, 0.6));
            if (_rng.NextDouble() < completeRate)
            {
                Add(endedAt, Status.Completed, attempt);
                return item;
            }
            var failure = TrafficCatalog.ParcelFailures[TrafficCatalog.Pick(_rng, ParcelFailureCumulative)];
            Add(endedAt, Status.Failed, attempt, failure.Error);
            if (failure.Transient && attempt == 1 && _rng.NextDouble() < 0.6)
            {
                attempt = 2;
                transitAt = endedAt + Dur(LogNormal(3_600_000, 0.5));
                Add(transitAt, Status.InTransit, attempt);
                continue;
            }
            return item;
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private void Add(long at, Status status, byte attempt, ErrorInfo? error = null, double cost = double.NaN,
        string? metadata = null, string? text = null, bool app = false)
    {
        if (_stepCount == _steps.Length) return; // cannot happen with the lifecycles above; never overflow
        ref var step = ref _steps[_stepCount++];
        step.At = at;
        step.Status = status;
        step.Attempt = attempt;
        step.App = app;
        step.Error = error;
        step.Cost = cost;
        step.Metadata = metadata;
        step.Text = text;
    }

    /// <summary>A lifecycle duration in whole milliseconds, scaled, at least 1 ms so statuses keep their order.</summary>
    private long Dur(double ms)
    {
        long value = (long)(ms * _timeScale + 0.5);
        return value < 1 ? 1 : value;
    }

    /// <summary>Log-normal sample with the given median, clamped to [median/20, median*20].</summary>
    private double LogNormal(double median, double sigma)
    {
        double value = median * Math.Exp(sigma * StandardNormal());
        return Math.Clamp(value, median / 20, median * 20);
    }

    private double StandardNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        double u1 = 1 - _rng.NextDouble();
        double u2 = _rng.NextDouble();
        double radius = Math.Sqrt(-2 * Math.Log(u1));
        double angle = 2 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        _hasSpareNormal = true;
        return radius * Math.Cos(angle);
    }

    private static double[] ProviderCumulative(ProviderSpec[] providers)
    {
        var weights = new double[providers.Length];
        for (int i = 0; i < providers.Length; i++) weights[i] = providers[i].Weight;
        return TrafficCatalog.Cumulative(weights);
    }

    private static string ToBase36(long value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[16];
        int i = buffer.Length;
        do
        {
            buffer[--i] = Digits[(int)(value % 36)];
            value /= 36;
        } while (value > 0);
        return new string(buffer[i..]);
    }
}
