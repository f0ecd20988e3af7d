using Herald.Otp;
using Herald.Storage;
using Herald.Storage.Sqlite;

namespace Herald.Tests.Otp;

/// <summary>The OTP tables on a real SQLite file: codes only as hashes, expiry, and the clean-up's retention.</summary>
public sealed class OtpStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-otp-").FullName;
    private readonly SqliteStore _store;
    private readonly int _team;

    public OtpStoreTests()
    {
        _store = new SqliteStore(Path.Combine(_dir, "herald.db"), fullSync: false);
        _store.MigrateUp();
        _team = _store.CreateTeam("t", "team_t", "tok_t", 0).Id;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly long Now = DateTimeOffset.Parse("2026-11-22T12:00:00Z").ToUnixTimeMilliseconds();
    private const long Minute = 60_000, Day = 24 * 60 * Minute;

    /// <summary>A code as issued (pending), then taken by a service (sent).</summary>
    private OtpRecord Otp(string id, long createdAt, long expiresAt)
    {
        var otp = new OtpRecord(_team, id, "user-1", "+14155550100", "sms", [1, 2, 3], createdAt, expiresAt, DeliveryStatus.Pending, null, null, 0, null);
        _store.InsertOtp(otp);
        _store.UpdateOtpDelivery(_team, id, DeliveryStatus.Sent, "console", createdAt);
        return otp;
    }

    private static OtpAttemptRecord Attempt(string deliveryId, long startedAt) =>
        new(deliveryId, "user-1", 1, "console", "sms", $"otp:{deliveryId}:1", startedAt, startedAt + 5, true, null, null, null, 5);

    [Fact]
    public void Clean_up_marks_expired_codes_and_deletes_only_what_is_past_retention()
    {
        Otp("live", Now - Minute, Now + 4 * Minute);
        Otp("just-expired", Now - 10 * Minute, Now - 5 * Minute);
        Otp("long-expired", Now - 3 * Day, Now - 2 * Day);
        _store.InsertOtpAttempt(_team, Attempt("live", Now - Minute));
        _store.InsertOtpAttempt(_team, Attempt("old", Now - 31 * Day));
        _store.InsertOtpAttempt(_team, Attempt("recent", Now - 29 * Day));

        var (expired, otps, attempts) = _store.CleanUpOtps(Now, Now - Day, Now - 30 * Day);

        Assert.Equal(2, expired); // just-expired and long-expired were still "sent"
        Assert.Equal(1, otps);
        Assert.Equal(1, attempts);
        Assert.Equal(DeliveryStatus.Sent, _store.FindOtp(_team, "live")!.DeliveryStatus);
        Assert.Equal(DeliveryStatus.Expired, _store.FindOtp(_team, "just-expired")!.DeliveryStatus);
        Assert.Null(_store.FindOtp(_team, "long-expired"));
        Assert.Empty(_store.ListOtpAttempts(_team, "old"));
        Assert.Single(_store.ListOtpAttempts(_team, "recent"));
    }

    [Fact]
    public void Counts_treat_a_sent_code_past_its_expiry_as_expired_before_the_clean_up_runs()
    {
        Otp("a", Now - 10 * Minute, Now - 5 * Minute);
        Otp("b", Now - Minute, Now + 4 * Minute);
        var counts = _store.CountOtps(_team, Now - 60 * Minute, Now);
        Assert.Equal(1, counts.Single(c => c.Status == DeliveryStatus.Expired).Count);
        Assert.Equal(1, counts.Single(c => c.Status == DeliveryStatus.Sent).Count);
    }

    [Fact]
    public void The_verify_counter_stops_at_the_limit_even_under_parallel_guesses()
    {
        Otp("p", Now, Now + 5 * Minute);
        var results = Enumerable.Range(0, 20).AsParallel().Select(_ => _store.CountVerifyAttempt(_team, "p", 5)).ToList();
        Assert.Equal(5, results.Count(r => r is not null));
        Assert.Equal([1, 2, 3, 4, 5], results.Where(r => r is not null).Select(r => r!.Value).Order());
        Assert.Equal(5, _store.FindOtp(_team, "p")!.VerifyAttempts);
    }

    [Fact]
    public void A_code_hash_matches_only_its_code_and_delivery()
    {
        var codes = OtpCodes.FromKeyFile(Path.Combine(_dir, "otp.key"));
        var again = OtpCodes.FromKeyFile(Path.Combine(_dir, "otp.key"));
        var hash = codes.Hash("dlv_1", "123456");
        Assert.True(again.Matches("dlv_1", "123456", hash));
        Assert.False(codes.Matches("dlv_1", "123457", hash));
        Assert.False(codes.Matches("dlv_2", "123456", hash));
        var other = new OtpCodes(new byte[32]);
        Assert.False(other.Matches("dlv_1", "123456", hash));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "otp.key")));
        var code = OtpCodes.NewCode(6);
        Assert.Matches("^[0-9]{6}$", code);
    }
}
