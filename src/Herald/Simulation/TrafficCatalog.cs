using Herald.Domain;

namespace Herald.Simulation;

/// <summary>A provider's error: code (may be null) and message, shared by every event that reports it.</summary>
internal sealed class ErrorInfo(string? code, string message)
{
    public string? Code { get; } = code;
    public string Message { get; } = message;
}

/// <summary>One way a provider fails: the status it reports, when, and whether a retry may succeed.</summary>
internal readonly record struct FailureMode(Status Status, ErrorInfo Error, double Weight, bool BeforeSent, bool Transient);

/// <summary>A provider of one channel with its own share, delivery rate, latency and failure modes.</summary>
internal sealed class ProviderSpec
{
    public required string Name { get; init; }
    public required string Channel { get; init; }
    public double Weight { get; init; } = 1;
    public double DeliveryRate { get; init; }
    public double MedianLatencyMs { get; init; }
    public double LatencySigma { get; init; } = 0.9;
    /// <summary>Time from the app's submission to the provider's "sent".</summary>
    public double SubmitMedianMs { get; init; } = 300;
    /// <summary>Price multiplier applied to the per-country channel price.</summary>
    public double CostMultiplier { get; init; } = 1;
    public required string[] Routes { get; init; }
    public required double[] RouteWeights { get; init; }
    /// <summary>Multiplies the delivery rate per route (wholesale routes deliver a little worse).</summary>
    public required double[] RouteFactors { get; init; }
    public FailureMode[] Failures { get; init; } = [];

    private double[]? _routeCumulative;
    private double[]? _failureCumulative;

    public double[] RouteCumulative => _routeCumulative ??= TrafficCatalog.Cumulative(RouteWeights);

    public double[] FailureCumulative => _failureCumulative ??= TrafficCatalog.FailureWeights(Failures);
}

/// <summary>A destination country: how its numbers look, what a message costs there, how well it delivers.</summary>
internal sealed class CountrySpec
{
    public required string Code { get; init; }
    public double Weight { get; init; }
    public double DeliveryFactor { get; init; } = 1;
    public double SmsCost { get; init; }
    public double WhatsAppCost { get; init; }
    /// <summary>E.164 prefixes ("+4477"); a number is a prefix plus <see cref="Digits"/> random digits.</summary>
    public required string[] Prefixes { get; init; }
    public int Digits { get; init; }
}

/// <summary>The fixed world of the simulator: countries, providers, error codes, inbound texts.</summary>
internal static class TrafficCatalog
{
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";
    public const string Email = "email";
    public const string Voice = "voice";
    public const string Courier = "courier";
    public const string Outbound = "outbound";
    public const string Inbound = "inbound";

    public static readonly CountrySpec[] Countries =
    [
        new() { Code = "US", Weight = 25, DeliveryFactor = 1.00, SmsCost = 0.0079, WhatsAppCost = 0.0250, Digits = 7,
            Prefixes = ["+1212", "+1213", "+1206", "+1305", "+1312", "+1404", "+1415", "+1512", "+1617", "+1646", "+1702", "+1718"] },
        new() { Code = "GB", Weight = 10, DeliveryFactor = 1.00, SmsCost = 0.0400, WhatsAppCost = 0.0529, Digits = 8,
            Prefixes = ["+4474", "+4475", "+4477", "+4478", "+4479"] },
        new() { Code = "DE", Weight = 8, DeliveryFactor = 1.00, SmsCost = 0.0850, WhatsAppCost = 0.1365, Digits = 8,
            Prefixes = ["+49151", "+49160", "+49170", "+49176"] },
        new() { Code = "FR", Weight = 7, DeliveryFactor = 0.99, SmsCost = 0.0750, WhatsAppCost = 0.1432, Digits = 8,
            Prefixes = ["+336", "+337"] },
        new() { Code = "IN", Weight = 15, DeliveryFactor = 0.95, SmsCost = 0.0045, WhatsAppCost = 0.0107, Digits = 9,
            Prefixes = ["+917", "+918", "+919"] },
        new() { Code = "BR", Weight = 8, DeliveryFactor = 0.96, SmsCost = 0.0300, WhatsAppCost = 0.0625, Digits = 8,
            Prefixes = ["+55119", "+55219", "+55319"] },
        new() { Code = "NG", Weight = 6, DeliveryFactor = 0.90, SmsCost = 0.0550, WhatsAppCost = 0.0516, Digits = 8,
            Prefixes = ["+23470", "+23480", "+23481", "+23490"] },
        new() { Code = "KE", Weight = 4, DeliveryFactor = 0.94, SmsCost = 0.0220, WhatsAppCost = 0.0198, Digits = 8,
            Prefixes = ["+2547"] },
        new() { Code = "AE", Weight = 4, DeliveryFactor = 0.97, SmsCost = 0.0380, WhatsAppCost = 0.0384, Digits = 7,
            Prefixes = ["+97150", "+97152", "+97155", "+97156"] },
        new() { Code = "JP", Weight = 5, DeliveryFactor = 0.99, SmsCost = 0.0750, WhatsAppCost = 0.0860, Digits = 8,
            Prefixes = ["+8170", "+8180", "+8190"] },
        new() { Code = "MX", Weight = 4, DeliveryFactor = 0.96, SmsCost = 0.0350, WhatsAppCost = 0.0305, Digits = 8,
            Prefixes = ["+5233", "+5255", "+5281"] },
        new() { Code = "ZA", Weight = 4, DeliveryFactor = 0.95, SmsCost = 0.0250, WhatsAppCost = 0.0379, Digits = 7,
            Prefixes = ["+2761", "+2772", "+2782", "+2783"] },
    ];

    public static readonly string[] EmailNames =
    [
        "alex", "maria", "chen", "fatima", "olu", "yuki", "lukas", "sofia", "arjun", "amara",
        "liam", "noah", "emma", "ana", "kofi", "wanjiru", "omar", "hana", "pierre", "lea",
    ];

    public static readonly string[] EmailDomains =
        ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me", "gmx.de", "example.org"];

    public static readonly string[] AccountSuffixes = ["marketing", "otp", "transactional", "support", "alerts", "logistics"];

    public static readonly string[] CampaignStems =
    [
        "spring-sale", "welcome-series", "cart-reminder", "weekly-newsletter",
        "winback", "product-launch", "flash-sale", "loyalty-points",
    ];

    // --- errors --------------------------------------------------------------------------------------

    private static FailureMode Before(Status status, string? code, string message, double weight, bool transient = false) =>
        new(status, new ErrorInfo(code, message), weight, BeforeSent: true, transient);

    private static FailureMode After(Status status, string? code, string message, double weight, bool transient = false) =>
        new(status, new ErrorInfo(code, message), weight, BeforeSent: false, transient);

    private static readonly FailureMode[] EmailFailures =
    [
        Before(Status.Failed, "dropped", "Bounced address (suppressed)", 5),
        After(Status.Undelivered, "550", "550 5.1.1 user unknown", 20),
        After(Status.Undelivered, "552", "552 5.2.2 mailbox full", 5, transient: true),
        After(Status.Undelivered, "554", "554 5.7.1 message rejected as spam", 4),
        After(Status.Expired, "421", "421 4.7.0 deferred too long, try again later", 2),
    ];

    public static readonly ProviderSpec[] SmsProviders =
    [
        new()
        {
            Name = "twilio", Channel = Sms, Weight = 50, DeliveryRate = 0.95, MedianLatencyMs = 4_000, LatencySigma = 0.9,
            Routes = ["direct", "wholesale-a"], RouteWeights = [0.7, 0.3], RouteFactors = [1.0, 0.97],
            Failures =
            [
                Before(Status.Failed, "21211", "Invalid 'To' Phone Number", 10),
                Before(Status.Failed, "21614", "'To' number is not a valid mobile number", 8),
                Before(Status.Failed, "30001", "Queue overflow", 4, transient: true),
                After(Status.Undelivered, "30003", "Unreachable destination handset", 25, transient: true),
                After(Status.Undelivered, "30005", "Unknown destination handset", 15),
                After(Status.Undelivered, "30006", "Landline or unreachable carrier", 12),
                After(Status.Undelivered, "30007", "Message filtered", 10),
            ],
        },
        new()
        {
            Name = "vonage", Channel = Sms, Weight = 30, DeliveryRate = 0.92, MedianLatencyMs = 6_000, LatencySigma = 0.9,
            CostMultiplier = 0.92,
            Routes = ["direct", "wholesale-b"], RouteWeights = [0.6, 0.4], RouteFactors = [1.0, 0.96],
            Failures =
            [
                Before(Status.Failed, "9", "Illegal Number", 10),
                Before(Status.Failed, "99", "General Error", 4, transient: true),
                After(Status.Undelivered, "2", "Absent Subscriber - Temporary", 15, transient: true),
                After(Status.Undelivered, "3", "Absent Subscriber - Permanent", 10),
                After(Status.Undelivered, "6", "Anti-Spam Rejection", 8),
                After(Status.Undelivered, "14", "Number Blocked by Carrier", 5),
                After(Status.Expired, null, "Message expired before delivery", 4),
            ],
        },
        new()
        {
            Name = "smpp-gw", Channel = Sms, Weight = 20, DeliveryRate = 0.88, MedianLatencyMs = 9_000, LatencySigma = 1.1,
            CostMultiplier = 0.6, SubmitMedianMs = 150,
            Routes = ["wholesale-a", "wholesale-b", "grey-route"], RouteWeights = [0.45, 0.4, 0.15], RouteFactors = [1.0, 0.98, 0.9],
            Failures =
            [
                Before(Status.Failed, "001", "Message length is invalid", 4),
                Before(Status.Failed, "008", "System error", 6, transient: true),
                Before(Status.Failed, "00B", "Invalid destination address", 10),
                After(Status.Undelivered, "00B", "Invalid destination address", 8),
                After(Status.Undelivered, "008", "System error", 5, transient: true),
                After(Status.Expired, null, "Validity period expired", 8),
            ],
        },
    ];

    public static readonly ProviderSpec[] WhatsAppProviders =
    [
        new()
        {
            Name = "meta", Channel = WhatsApp, Weight = 1, DeliveryRate = 0.97, MedianLatencyMs = 2_000, LatencySigma = 0.7,
            SubmitMedianMs = 200,
            Routes = ["cloud-api"], RouteWeights = [1], RouteFactors = [1],
            Failures =
            [
                Before(Status.Failed, "131047", "Re-engagement message", 10),
                After(Status.Failed, "131026", "Message undeliverable", 20),
                After(Status.Failed, "131048", "Spam rate limit hit", 5, transient: true),
            ],
        },
    ];

    public static readonly ProviderSpec[] EmailProviders =
    [
        new()
        {
            Name = "sendgrid", Channel = Email, Weight = 60, DeliveryRate = 0.98, MedianLatencyMs = 20_000, LatencySigma = 1.0,
            SubmitMedianMs = 500,
            Routes = ["shared-ip", "dedicated-ip"], RouteWeights = [0.6, 0.4], RouteFactors = [0.99, 1.0],
            Failures = EmailFailures,
        },
        new()
        {
            Name = "ses", Channel = Email, Weight = 40, DeliveryRate = 0.97, MedianLatencyMs = 15_000, LatencySigma = 1.0,
            SubmitMedianMs = 400,
            Routes = ["shared-ip", "dedicated-ip"], RouteWeights = [0.7, 0.3], RouteFactors = [0.99, 1.0],
            Failures = EmailFailures,
        },
    ];

    public static readonly ProviderSpec[] VoiceProviders =
    [
        new()
        {
            Name = "twilio-voice", Channel = Voice, Weight = 1, DeliveryRate = 0.70,
            Routes = ["sip-trunk-a", "pstn-direct"], RouteWeights = [0.6, 0.4], RouteFactors = [1.0, 0.98],
        },
    ];

    public static readonly ProviderSpec[] CourierProviders =
    [
        new()
        {
            Name = "dhl", Channel = Courier, Weight = 55, DeliveryRate = 0.93,
            Routes = ["ground", "express"], RouteWeights = [0.7, 0.3], RouteFactors = [1.0, 1.02],
        },
        new()
        {
            Name = "ups", Channel = Courier, Weight = 45, DeliveryRate = 0.91,
            Routes = ["ground", "express"], RouteWeights = [0.65, 0.35], RouteFactors = [1.0, 1.02],
        },
    ];

    public static readonly FailureMode[] CallFailures =
    [
        Before(Status.Failed, "13224", "Invalid phone number", 6),
        Before(Status.Failed, "13227", "No international permission", 3),
        Before(Status.Failed, "31005", "Connection error", 2),
    ];

    public static readonly ErrorInfo CallBusy = new("486", "Busy here");
    public static readonly ErrorInfo CallNoAnswer = new("480", "Temporarily unavailable (no answer)");
    public static readonly ErrorInfo CallCanceled = new(null, "Canceled by caller");

    public static readonly FailureMode[] ParcelFailures =
    [
        After(Status.Failed, "NOT_HOME", "Recipient not at home", 40, transient: true),
        After(Status.Failed, "ADDRESS_INVALID", "Address incomplete or invalid", 20),
        After(Status.Failed, "REFUSED", "Delivery refused by recipient", 10),
        After(Status.Failed, "DAMAGED", "Parcel damaged in transit", 5),
    ];

    public static readonly ErrorInfo ParcelCancelled = new("CANCELLED_BY_SENDER", "Shipment cancelled by sender");
    public static readonly ErrorInfo OtpExpired = new("OTP_TTL", "Code expired before delivery");

    public static readonly string[] InboundTexts =
    [
        "STOP", "Stop", "stop", "UNSUBSCRIBE", "START", "HELP", "YES", "Y", "Thanks!", "ok",
        "Where is my order?", "When will my package arrive?", "Can you call me back?", "Wrong number",
        "What is this about?", "Great, see you then",
    ];

    public static readonly double[] InboundTextWeights = [6, 2, 2, 2, 3, 8, 8, 3, 12, 10, 10, 8, 5, 3, 4, 4];

    public static readonly string[] SmsSegmentsMetadata = ["{\"segments\":1}", "{\"segments\":2}", "{\"segments\":3}"];
    public const string WhatsAppUtilityMetadata = "{\"category\":\"utility\",\"template\":\"order_update\"}";
    public const string WhatsAppOtpMetadata = "{\"category\":\"authentication\",\"template\":\"otp_code\"}";
    public const string OtpMetadata = "{\"ttl_seconds\":300,\"code_length\":6}";

    /// <summary>Cumulative weights for <see cref="Pick"/> (last entry = total).</summary>
    public static double[] Cumulative(ReadOnlySpan<double> weights)
    {
        var cumulative = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }
        return cumulative;
    }

    public static double[] FailureWeights(FailureMode[] failures)
    {
        var weights = new double[failures.Length];
        for (int i = 0; i < failures.Length; i++) weights[i] = failures[i].Weight;
        return Cumulative(weights);
    }

    /// <summary>Index drawn from cumulative weights.</summary>
    public static int Pick(Random random, double[] cumulative)
    {
        double x = random.NextDouble() * cumulative[^1];
        for (int i = 0; i < cumulative.Length - 1; i++)
            if (x < cumulative[i]) return i;
        return cumulative.Length - 1;
    }
}
