using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

/// <summary>Contacts' attributes and <c>GET /api/v1/analytics/users</c> (seed 003's user_demographics) against a brute-force count.</summary>
public sealed class UserDemographicsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static string ContactPath(string recipient) => $"/api/v1/contacts/{Uri.EscapeDataString(recipient)}";

    private static async Task<JsonNode> Put(HttpClient client, string recipient, object body)
    {
        var response = await client.PutAsync(ContactPath(recipient), HeraldServer.Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await HeraldServer.ReadData(response);
    }

    [Fact]
    public async Task Users_are_recipients_and_contact_records_by_city_tier_and_signup()
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(8);
        var now = DateTimeOffset.UtcNow;
        string[] cities = ["San Francisco", "New York", "Austin"];
        string[] tiers = ["premium", "standard", "trial"];
        // Recipients of items, first seen at random times in the last 70 days (several items each, the earliest counts).
        var firstSeen = new Dictionary<string, DateTimeOffset>();
        var events = new List<object>();
        for (int i = 0; i < 60; i++)
        {
            string r = $"+1212555{rng.Next(30):0000}";
            var at = DateTimeOffset.FromUnixTimeSeconds(now.AddMinutes(-rng.Next(5, 70 * 1440)).ToUnixTimeSeconds());
            if (!firstSeen.TryGetValue(r, out var f) || at < f) firstSeen[r] = at;
            events.Add(Kit.Event($"m-{i}", "sent", Kit.Format(at), kind: "message", recipient: r));
        }
        await Kit.Ingest(client, events);

        // Contact records: some of those recipients and some never messaged, with attributes and sign-up times.
        var records = new Dictionary<string, (string? City, string? Tier, DateTimeOffset? SignedUp, DateTimeOffset Created)>();
        var candidates = firstSeen.Keys.Take(12).Concat(Enumerable.Range(0, 8).Select(i => $"+1303555{i:0000}")).ToList();
        foreach (var r in candidates)
        {
            string? city = rng.NextDouble() < 0.8 ? cities[rng.Next(cities.Length)] : null;
            string? tier = rng.NextDouble() < 0.8 ? tiers[rng.Next(tiers.Length)] : null;
            DateTimeOffset? signedUp = rng.NextDouble() < 0.6 ? now.AddDays(-rng.Next(1, 90)).AddSeconds(-rng.Next(3600)) : null;
            var created = DateTimeOffset.UtcNow;
            var dto = await Put(client, r, new { city, tier, signed_up_at = signedUp is { } s ? Kit.Format(s) : null });
            Assert.Equal(city, dto["city"]?.GetValue<string>());
            records[r] = (city, tier, signedUp is { } x ? DateTimeOffset.FromUnixTimeSeconds(x.ToUnixTimeSeconds()) : null, created);
        }

        var data = await Kit.GetData(client, "/api/v1/analytics/users");
        var users = firstSeen.Keys.Union(records.Keys).ToList();
        Assert.Equal(users.Count, Kit.Long(data, "total_users"));
        var demographics = data["user_demographics"]!;
        foreach (var city in cities)
        {
            long n = records.Values.Count(v => v.City == city);
            Assert.Equal(n, demographics["by_city"]![city]?.GetValue<long>() ?? 0);
        }
        foreach (var tier in tiers)
            Assert.Equal(records.Values.Count(v => v.Tier == tier), demographics["by_tier"]![tier]?.GetValue<long>() ?? 0);
        Assert.Equal(users.Count - records.Values.Count(v => v.City is not null), Kit.Long(data, "users_without_city"));

        // Joined: signed_up_at, else the earliest of the first item and the contact record (created just now).
        DateTimeOffset Joined(string r) => records.TryGetValue(r, out var rec) && rec.SignedUp is { } s ? s
            : firstSeen.TryGetValue(r, out var f) ? f : records[r].Created;
        var asOf = DateTimeOffset.Parse(data["timestamp"]!.GetValue<string>());
        long last = users.Count(u => Joined(u) >= asOf.AddDays(-30)), previous = users.Count(u => Joined(u) >= asOf.AddDays(-60) && Joined(u) < asOf.AddDays(-30));
        long before = users.Count - last;
        var trends = demographics["signup_trends"]!;
        Assert.Equal(last, Kit.Long(trends, "last_30_days"));
        Assert.Equal(previous, Kit.Long(trends, "previous_30_days"));
        double growth = Math.Round(last * 100.0 / before, 1);
        Assert.Equal(growth, trends["growth_rate_percent"]!.GetValue<double>());
        Assert.Equal("+" + growth.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%", trends["growth_rate"]!.GetValue<string>());

        // The seed's monitoring dashboard counts the same users.
        Assert.Equal(users.Count, Kit.Long((await Kit.GetData(client, "/api/v1/monitoring/dashboard"))["system_health"]!, "total_users"));

        // A new recipient counts at once (the answer is not kept past new data).
        await Kit.Ingest(client, Kit.Event("m-new", "sent", Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)), kind: "message", recipient: "+14045550000"));
        Assert.Equal(users.Count + 1, Kit.Long(await Kit.GetData(client, "/api/v1/analytics/users"), "total_users"));

        // Another team has none of these users.
        var (_, other) = await shared.NewTeamAsync();
        var empty = await Kit.GetData(other, "/api/v1/analytics/users");
        Assert.Equal(0, Kit.Long(empty, "total_users"));
        Assert.Empty(empty["user_demographics"]!["by_city"]!.AsObject());
    }

    [Fact]
    public async Task Attributes_are_kept_changed_and_cleared_field_by_field()
    {
        var (_, client) = await shared.NewTeamAsync();
        const string r = "+14155550123";
        var set = await Put(client, r, new { city = "Austin", tier = "premium", signed_up_at = "2026-01-05T10:00:00Z" });
        Assert.Equal(("Austin", "premium", "2026-01-05T10:00:00Z"), (set["city"]!.GetValue<string>(), set["tier"]!.GetValue<string>(), set["signed_up_at"]!.GetValue<string>()));

        // A settings-only PUT keeps the attributes; a named null clears one.
        var zone = await Put(client, r, new { time_zone = "America/Chicago" });
        Assert.Equal(("Austin", "premium"), (zone["city"]!.GetValue<string>(), zone["tier"]!.GetValue<string>()));
        Assert.Equal("America/Chicago", zone["time_zone"]!.GetValue<string>());
        var cleared = await Put(client, r, new { tier = (string?)null });
        Assert.Null(cleared["tier"]);
        Assert.Equal("Austin", cleared["city"]!.GetValue<string>());
        Assert.Null(cleared["time_zone"]); // settings are replaced by each PUT, as before

        // Deleting the settings keeps a contact with attributes.
        await Put(client, r, new { time_zone = "America/Chicago" });
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(ContactPath(r))).StatusCode);
        var after = await Kit.GetData(client, ContactPath(r));
        Assert.Equal("Austin", after["city"]!.GetValue<string>());
        Assert.Null(after["time_zone"]);
        Assert.Equal(1, Kit.Long((await Kit.GetData(client, "/api/v1/analytics/users"))["user_demographics"]!["by_city"]!, "Austin"));
        // A contact with attributes only follows the team's quiet hours.
        Assert.Equal(0, Kit.Long((await Kit.GetData(client, "/api/v1/analytics/compliance"))["compliance_metrics"]!["quiet_hours_compliance"]!,
            "contacts_with_own_settings"));

        // Bad attributes name the field and change nothing.
        await Kit.AssertError(await client.PutAsync(ContactPath(r), HeraldServer.Json(new { city = 5 })), HttpStatusCode.BadRequest, "city");
        await Kit.AssertError(await client.PutAsync(ContactPath(r), HeraldServer.Json(new { city = "   " })), HttpStatusCode.BadRequest, "city");
        await Kit.AssertError(await client.PutAsync(ContactPath(r), HeraldServer.Json(new { tier = new string('t', 65) })), HttpStatusCode.BadRequest, "tier");
        await Kit.AssertError(await client.PutAsync(ContactPath(r), HeraldServer.Json(new { signed_up_at = "yesterday" })), HttpStatusCode.BadRequest, "signed_up_at");
        await Kit.AssertError(await client.PutAsync(ContactPath(r), HeraldServer.Json(new { age = 30 })), HttpStatusCode.BadRequest, "age");
        Assert.Equal("Austin", (await Kit.GetData(client, ContactPath(r)))["city"]!.GetValue<string>());
        // The team's settings take no attributes.
        await Kit.AssertError(await client.PutAsync("/api/v1/compliance/settings", HeraldServer.Json(new { city = "Austin" })), HttpStatusCode.BadRequest, "city");
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/users?days=7"), HttpStatusCode.BadRequest, "days");
    }
}
