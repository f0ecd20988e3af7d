using System.Net;
using System.Net.Http.Json;
using System.Text;
using Herald.Tests.Api;
using Herald.Tests.Deliveries;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Security;

/// <summary>
/// With hashed recipients and field encryption, what the API stored (a phone as an engine recipient and a customer's phone,
/// an e-mail, an inbound message body, a delivery address and tracking note, a webhook secret) leaves none of its bytes in
/// the database file, its WAL or a backup, while the team reads it back and consent keywords still count.
/// </summary>
public sealed class PersonalDataAtRestTests : IDisposable
{
    private const string Phone = "+12127650188";
    private const string Email = "marigold.fairweather@customers.example.org";
    private const string InboundBody = "Please ring the side gate, code 4490, parcel for Marigold";
    private const string Address = "17 Cherrywood Crescent, Little Whinging";
    private const string TrackingNote = "handed to neighbour at number 19";
    private const string Secret = "whsec-at-rest-5e4d3c2b1a09";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-at-rest-tests", Guid.NewGuid().ToString("n"));

    public PersonalDataAtRestTests() => Directory.CreateDirectory(_work);

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private static IEnumerable<(string What, byte[] Bytes)> Needles() =>
        ClearText.Needles([Phone, Email, InboundBody, Address, TrackingNote, Secret])
            .Append(("the phone's digits", System.Text.Encoding.UTF8.GetBytes(Phone[1..])));

    private static void AssertNoneIn(string where, byte[] bytes) => ClearText.AssertNoneIn(where, bytes, Needles());

    private static byte[] ReadShared(string path) => ClearText.ReadShared(path);

    private static Dictionary<string, object?> Message(string id, double minute, string recipient, string channel, string direction, string? text = null) => new()
    {
        ["item_id"] = id, ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.At(minute), ["direction"] = direction,
        ["recipient"] = recipient, ["channel"] = channel, ["text"] = text,
    };

    [Fact]
    public async Task A_phone_email_inbound_body_address_and_secret_leave_no_bytes_in_the_database_its_wal_or_a_backup()
    {
        await using var server = await HeraldServer.StartAsync(new(HashedRecipientsTests.Hashed));
        var team = await DeliveryTeam.CreateAsync(server, [.. AllScopes, "events:write"]);
        var put = await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/twilio", new { secret = Secret });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        await Kit.Ingest(team.Client, new List<object>
        {
            Message("sms-out", 10, Phone, "sms", "outbound"), Message("mail-out", 20, Email, "email", "outbound"),
            Message("sms-in", 30, Phone, "sms", "inbound", InboundBody), Message("sms-stop", 40, Phone, "sms", "inbound", "STOP"),
        });
        var customer = await Created(await team.Client.PostAsJsonAsync("/api/v1/customers", new { name = "M. Fairweather", phone = Phone, email = Email, address = Address }));
        var agent = await team.Agent(-74.0, 40.71);
        var delivery = await team.Delivery(S(customer, "id"));
        string deliveryId = S(delivery, "id");
        var patched = await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/deliveries/{deliveryId}", new { address = Address }));
        Assert.Equal(Address, S(patched, "address"));
        await team.Assign(deliveryId, S(agent, "id"));
        await team.Track(deliveryId, "in_transit", DateTimeOffset.UtcNow.AddMinutes(-5));
        await team.Track(deliveryId, "completed", DateTimeOffset.UtcNow.AddMinutes(-1), notes: TrackingNote);

        // The team reads each value back: the body with its item, the customer's phone and e-mail, the note with its delivery.
        var inbound = await Kit.GetData(team.Client, "/api/v1/items/sms-in");
        Assert.Equal(InboundBody, inbound["events"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("US", inbound["country"]!.GetValue<string>());
        Assert.Equal("sms-in,sms-out,sms-stop", string.Join(",", (await Kit.GetData(team.Client, $"/api/v1/recipients/{Uri.EscapeDataString(Phone)}/history"))
            .AsArray().Select(i => i!["item_id"]!.GetValue<string>()).Order()));
        var read = await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}");
        Assert.Equal((Phone, Email, Address), (S(read, "phone"), S(read, "email"), S(read, "address")));
        var tracked = await Kit.GetData(team.Client, $"/api/v1/deliveries/{deliveryId}");
        Assert.Contains(tracked["tracking_events"]!.AsArray(), e => e!["notes"]?.GetValue<string>() == TrackingNote);
        Assert.Equal("stopped", (await Kit.GetData(team.Client, $"/api/v1/contacts/{Uri.EscapeDataString(Phone)}/consent"))["state"]!.GetValue<string>());
        var keywords = (await Kit.GetData(team.Client, $"/api/v1/analytics/inbound?{Kit.DayWindow}"))["keyword_classes"]!;
        Assert.Equal(1, Kit.Long(keywords, "stop"));
        // Every body is sealed but the lone keyword, which consent_changes keeps in clear anyway.
        Assert.Equal("STOP", server.StoredValue("SELECT group_concat(text) FROM events WHERE typeof(text) = 'text'"));

        string db = Path.Combine(server.DataDir, "herald.db");
        byte[] file = ReadShared(db), wal = ReadShared(db + "-wal");
        // The scan finds what is stored in clear (the team's name), so its silence about the rest means something.
        Assert.True(file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(team.Name)) >= 0 || wal.AsSpan().IndexOf(Encoding.UTF8.GetBytes(team.Name)) >= 0);
        AssertNoneIn("the database file", file);
        AssertNoneIn("the WAL", wal);

        var withKey = new Dictionary<string, string> { ["HERALD_BACKUP_KEY"] = "at rest backup key" };
        string backup = Path.Combine(_work, "at-rest.hbk"), restored = Path.Combine(_work, "restored");
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, withKey, "backup", "create", "--out", backup);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, withKey, "backup", "restore", backup, "--data-dir", restored);
        Assert.True(code == 0, stderr);
        byte[] restoredDb = ReadShared(Path.Combine(restored, "herald.db"));
        Assert.True(restoredDb.AsSpan().IndexOf(Encoding.UTF8.GetBytes(team.Name)) >= 0, "the restored backup holds the team");
        AssertNoneIn("the decrypted backup", restoredDb);
        AssertNoneIn("the decrypted backup's WAL", ReadShared(Path.Combine(restored, "herald.db-wal")));
    }
}
