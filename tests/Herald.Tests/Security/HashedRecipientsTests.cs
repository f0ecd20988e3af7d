using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Deliveries;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Security;

/// <summary>
/// <c>Herald__Privacy__Recipients=hashed</c>: the engine stores only a keyed HMAC of each recipient, yet per-recipient
/// history, recipient search, consent, compliance and contacts work by the number; a store keeps the mode it started with.
/// </summary>
public sealed class HashedRecipientsTests
{
    public static readonly Dictionary<string, string?> Hashed = new() { ["Herald:Privacy:Recipients"] = "hashed" };
    private const string Phone = "+447700900123";
    private const string OtherPhone = "+447700900456";

    private static Dictionary<string, object?> Send(string id, double minute, string recipient, string status = "sent") => new()
    {
        ["event_id"] = $"{id}-{status}", ["item_id"] = id, ["kind"] = "message", ["status"] = status, ["occurred_at"] = Kit.At(minute),
        ["direction"] = "outbound", ["recipient"] = recipient, ["channel"] = "sms",
    };

    private static Dictionary<string, object?> Inbound(string id, double minute, string recipient, string text) => new()
    {
        ["item_id"] = id, ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.At(minute), ["direction"] = "inbound",
        ["recipient"] = recipient, ["text"] = text, ["channel"] = "sms",
    };

    private static bool IsHash(string? value) =>
        value is { Length: 37 } && value.StartsWith("hmac:", StringComparison.Ordinal) && value[5..].All(char.IsAsciiHexDigitLower);

    private static string Ids(JsonNode items) => string.Join(",", items.AsArray().Select(i => i!["item_id"]!.GetValue<string>()).Order());

    [Fact]
    public async Task History_search_consent_compliance_and_contacts_work_by_the_number_that_is_never_stored()
    {
        await using var server = await HeraldServer.StartAsync(new(Hashed));
        var (_, key) = await server.CreateTeamAsync($"hashed-{Guid.NewGuid():n}"[..20]);
        var client = server.Client(key);
        await Kit.Ingest(client, new List<object>
        {
            Send("out-1", 30, Phone), Send("out-1", 31, Phone, "delivered"), Inbound("in-1", 60, Phone, "STOP"),
            Send("out-2", 90, Phone), Send("other-1", 95, OtherPhone),
        });

        // Per-recipient history by the number: its items, each showing the HMAC, the country derived from the number first.
        var history = await Kit.GetData(client, $"/api/v1/recipients/{Uri.EscapeDataString(Phone)}/history");
        Assert.Equal("in-1,out-1,out-2", Ids(history));
        string hash = history[0]!["recipient"]!.GetValue<string>();
        Assert.True(IsHash(hash), hash);
        Assert.All(history.AsArray(), i => Assert.Equal((hash, "GB"), (i!["recipient"]!.GetValue<string>(), i["country"]!.GetValue<string>())));
        // The shown form names the recipient as well; another number has another HMAC.
        Assert.Equal("in-1,out-1,out-2", Ids(await Kit.GetData(client, $"/api/v1/recipients/{hash}/history")));
        var other = await Kit.GetData(client, $"/api/v1/recipients/{Uri.EscapeDataString(OtherPhone)}/history");
        Assert.Equal("other-1", Ids(other));
        Assert.NotEqual(hash, other[0]!["recipient"]!.GetValue<string>());

        // Item search and its export filter by the number too.
        var page = await Kit.GetData(client, $"/api/v1/items?{Kit.DayWindow}&recipient={Uri.EscapeDataString(Phone)}");
        Assert.Equal("in-1,out-1,out-2", Ids(page["items"]!));
        string csv = await client.GetStringAsync($"/api/v1/exports/items?{Kit.DayWindow}&recipient={Uri.EscapeDataString(Phone)}&format=csv");
        Assert.Contains(hash, csv);
        Assert.DoesNotContain(Phone, csv);
        Assert.Equal(3, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);

        // The STOP keyword was classified before its sender was hashed: the contact is stopped, and the send after it is a violation.
        var consent = await Kit.GetData(client, $"/api/v1/contacts/{Uri.EscapeDataString(Phone)}/consent");
        Assert.Equal(("stopped", hash), (consent["state"]!.GetValue<string>(), consent["recipient"]!.GetValue<string>()));
        var compliance = await Kit.GetData(client, $"/api/v1/analytics/compliance?{Kit.DayWindow}");
        Assert.Equal(1, Kit.Long(compliance, "messages_to_opted_out_contacts"));
        Assert.Equal(("out-2", hash), (compliance["examples"]![0]!["item_id"]!.GetValue<string>(), compliance["examples"]![0]!["recipient"]!.GetValue<string>()));

        // Contact settings by the number land on the same contact; recorded consent too.
        var put = await client.PutAsync($"/api/v1/contacts/{Uri.EscapeDataString(Phone)}", HeraldServer.Json(new { time_zone = "Europe/London" }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.Equal(hash, (await HeraldServer.ReadData(put))["recipient"]!.GetValue<string>());
        Assert.Equal("Europe/London", (await Kit.GetData(client, $"/api/v1/contacts/{hash}"))["time_zone"]!.GetValue<string>());
        var recorded = await client.PostAsync($"/api/v1/contacts/{Uri.EscapeDataString(OtherPhone)}/consent", HeraldServer.Json(new { state = "opt-out", source = "web_form" }));
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Equal("opt-out", (await Kit.GetData(client, $"/api/v1/contacts/{Uri.EscapeDataString(OtherPhone)}/consent"))["state"]!.GetValue<string>());

        // What is stored: HMACs only, in every table keyed by recipient, and in the audit trail's resource ids.
        foreach (var sql in new[]
        {
            "SELECT COUNT(*) FROM events WHERE recipient NOT LIKE 'hmac:%'", "SELECT COUNT(*) FROM items WHERE recipient NOT LIKE 'hmac:%'",
            "SELECT COUNT(*) FROM consent_changes WHERE recipient NOT LIKE 'hmac:%'", "SELECT COUNT(*) FROM contacts WHERE recipient NOT LIKE 'hmac:%'",
            "SELECT COUNT(*) FROM audit_log WHERE resource_id LIKE '%447700%'",
        })
            Assert.Equal(0L, server.StoredValue(sql));
        Assert.Equal(2L, server.StoredValue("SELECT COUNT(DISTINCT recipient) FROM items"));
        Assert.Equal("hashed", server.StoredValue("SELECT value FROM store_settings WHERE name = 'recipients'"));
        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // Stopped, so the audit trail's last entries are written too: neither the file nor its WAL holds a number.
        foreach (var name in new[] { "herald.db", "herald.db-wal" })
        {
            string path = Path.Combine(server.DataDir, name);
            byte[] file = File.Exists(path) ? await File.ReadAllBytesAsync(path) : [];
            foreach (var number in new[] { Phone, OtherPhone, Phone[1..], OtherPhone[1..] })
                Assert.True(file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(number)) < 0, $"{name} holds {number}");
        }
    }

    [Fact]
    public async Task A_customer_is_keyed_by_the_hmac_of_its_phone_and_still_answered_with_the_number()
    {
        await using var server = await HeraldServer.StartAsync(new(Hashed));
        var team = await DeliveryTeam.CreateAsync(server);
        string phone = team.NewPhone();
        var customer = await team.Customer(phone: phone);
        Assert.Equal(phone, S(customer, "phone"));
        Assert.Equal(phone, S(await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}"), "phone"));
        // The same phone again is the same contact: refused.
        await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/customers", new { name = "Twin", phone, address = "2 Main St" }),
            HttpStatusCode.Conflict, "phone");
        string newPhone = team.NewPhone();
        var patched = await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/customers/{S(customer, "id")}", new { phone = newPhone }));
        Assert.Equal(newPhone, S(patched, "phone"));
        Assert.Equal(1L, server.StoredValue("SELECT COUNT(*) FROM contacts WHERE recipient LIKE 'hmac:%' AND typeof(phone) = 'blob'"));
        Assert.Equal(0L, server.StoredValue("SELECT COUNT(*) FROM contacts WHERE recipient NOT LIKE 'hmac:%'"));
    }

    [Fact]
    public async Task A_store_keeps_the_mode_it_started_with_and_a_start_with_the_other_is_refused_with_a_clear_error()
    {
        await using var server = await HeraldServer.StartAsync(new(Hashed));
        var (_, key) = await server.CreateTeamAsync($"mode-{Guid.NewGuid():n}"[..20]);
        var client = server.Client(key);
        await Kit.Ingest(client, new List<object> { Send("m-1", 10, Phone) });
        string dataDir = server.DataDir;
        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, new Dictionary<string, string> { ["Herald__Privacy__Recipients"] = "plain" },
            "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("Herald__Privacy__Recipients is plain, but this store's recipients were written hashed", stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, new Dictionary<string, string> { ["Herald__Privacy__Recipients"] = "sha256" },
            "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("Herald__Privacy__Recipients must be plain or hashed, not 'sha256'", stderr);

        // Started again as it was, it answers by the number as before.
        await server.RestartAsync();
        client = server.Client(key);
        Assert.Equal("m-1", Ids(await Kit.GetData(client, $"/api/v1/recipients/{Uri.EscapeDataString(Phone)}/history")));
    }

    [Fact]
    public async Task A_plain_store_with_events_refuses_hashed_while_one_without_any_may_still_change()
    {
        await using var empty = await HeraldServer.StartAsync();
        await empty.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // Nothing keyed by a recipient yet: the mode may still change.
        await using (var hashed = await HeraldServer.StartAsync(new(Hashed), dataDir: empty.DataDir))
            Assert.Equal("hashed", hashed.StoredValue("SELECT value FROM store_settings WHERE name = 'recipients'"));

        await using var plain = await HeraldServer.StartAsync();
        var (_, key) = await plain.CreateTeamAsync($"plain-{Guid.NewGuid():n}"[..20]);
        var client = plain.Client(key);
        await Kit.Ingest(client, new List<object> { Send("p-1", 10, Phone) });
        Assert.Equal(Phone, plain.StoredValue("SELECT recipient FROM items"));
        await plain.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(plain.DataDir, new Dictionary<string, string> { ["Herald__Privacy__Recipients"] = "hashed" },
            "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("this store's recipients were written plain", stderr);
        Assert.Equal(Phone, plain.StoredValue("SELECT recipient FROM items"));
    }
}
