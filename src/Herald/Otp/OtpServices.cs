using Herald.Senders;
using Herald.Storage;

namespace Herald.Otp;

/// <summary>
/// A team's OTP delivery services: the defaults every team starts with (seed 000's
/// <c>initializeDefaultConfigurations</c>), checked changes, and the view that never shows a credential.
/// </summary>
public sealed class OtpServices(IOtpStore store, SenderRegistry senders, OtpOptions options, TimeProvider time)
{
    public static readonly string[] Channels = ["sms", "email"];
    private static readonly string[] SecretSettings = ["password", "auth_token", "api_key", "secret", "token"];
    private readonly HashSet<int> _ensured = [];
    private readonly Lock _gate = new();

    /// <summary>The services of a team, ordered by priority; a team without any gets the defaults.</summary>
    public IReadOnlyList<OtpServiceRecord> List(int teamId)
    {
        EnsureDefaults(teamId);
        return store.ListOtpServices(teamId);
    }

    public OtpServiceRecord? Find(int teamId, string name) =>
        List(teamId).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    public void EnsureDefaults(int teamId)
    {
        lock (_gate)
        {
            if (_ensured.Contains(teamId)) return;
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            store.EnsureOtpServices(teamId, Defaults(now), now);
            _ensured.Add(teamId);
        }
    }

    /// <summary>
    /// A team with no service starts with the seed's three services, disabled until they are given credentials, and a console
    /// service for development (enabled only when <see cref="OtpOptions.EnableConsoleSender"/> is on).
    /// </summary>
    private IEnumerable<OtpServiceRecord> Defaults(long now)
    {
        var none = new Dictionary<string, string>();
        yield return new OtpServiceRecord("twilio", "twilio", ["sms"], false, 1, none, false, null, null, null, now, now);
        yield return new OtpServiceRecord("phone-email", "phone-email", ["sms"], false, 2, none, false, null, null, null, now, now);
        yield return new OtpServiceRecord("smtp", "smtp", ["email"], false, 1, none, false, null, null, null, now, now);
        yield return new OtpServiceRecord("console", "console", ["sms", "email"], options.EnableConsoleSender, 100, none, false, null, null, null, now, now);
    }

    /// <summary>Checks a configuration against the senders Herald has; answers the offending field and why, or null.</summary>
    public (string Field, string Issue)? Check(string name, string sender, IReadOnlyList<string> channels, int priority)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return ("name", "1 to 64 letters, digits, '-', '_' or '.'");
        if (!senders.TryGet(sender, out var s))
            return ("sender", $"unknown sender '{sender}'; one of {string.Join(", ", senders.Kinds)}");
        if (channels.Count == 0) return ("channels", "name at least one of sms, email");
        foreach (var c in channels)
        {
            if (Array.IndexOf(Channels, c) < 0) return ("channels", $"'{c}' is not one of sms, email");
            if (!s.Supports(c)) return ("channels", $"the {sender} sender cannot deliver {c}");
        }
        if (priority is < 1 or > 1000) return ("priority", "must be 1 to 1000 (1 is tried first)");
        return null;
    }

    public void Save(int teamId, OtpServiceRecord service)
    {
        EnsureDefaults(teamId);
        store.UpsertOtpService(teamId, service, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public bool Delete(int teamId, string name)
    {
        EnsureDefaults(teamId);
        return store.DeleteOtpService(teamId, name);
    }

    public async Task<ValidationResult> ValidateAsync(int teamId, OtpServiceRecord service, CancellationToken ct)
    {
        ValidationResult result;
        try
        {
            result = await senders.Get(service.Sender).ValidateAsync(service.Settings, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result = new ValidationResult(false, e.Message, TimeSpan.Zero);
        }
        store.RecordOtpServiceValidation(teamId, service.Name, time.GetUtcNow().ToUnixTimeMilliseconds(), result.Ok, result.Error);
        return result;
    }

    /// <summary>The settings with every credential replaced by a mask, for display.</summary>
    public static IReadOnlyDictionary<string, string> Masked(IReadOnlyDictionary<string, string> settings) =>
        settings.ToDictionary(p => p.Key, p => IsSecret(p.Key) ? "********" : p.Value);

    /// <summary>A changed configuration may resend a mask for a credential it keeps: the stored value stays.</summary>
    public static Dictionary<string, string> MergeMasked(IReadOnlyDictionary<string, string> incoming, IReadOnlyDictionary<string, string>? stored)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in incoming)
            merged[key] = value == "********" && stored is not null && stored.TryGetValue(key, out var kept) ? kept : value;
        return merged;
    }

    private static bool IsSecret(string key)
    {
        foreach (var s in SecretSettings)
            if (key.Contains(s, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
