using System.Net;
using System.Text;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>Every field of the delivery resources is checked: a 400 names it, and a refused request (any 4xx) changes nothing.</summary>
public sealed class DeliveryValidationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    private static Dictionary<string, object?> ValidDelivery(string customerId) => new()
    {
        ["customer_id"] = customerId,
        ["address"] = "1 Rue de Rivoli, Paris",
        ["coordinates"] = new { type = "Point", coordinates = new[] { 2.35, 48.86 } },
        ["scheduled_time"] = Kit.Format(DateTimeOffset.UtcNow.AddHours(3)),
        ["package_details"] = new { weight = 1.0, dimensions = new { length = 10, width = 10, height = 10 } },
    };

    private static StringContent Json(object body) => HeraldServer.Json(body);

    private static async Task<string> Snapshot(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {text}");
        return text;
    }

    [Fact]
    public async Task A_bad_delivery_is_a_400_naming_its_field_and_nothing_is_created()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var other = await DeliveryTeam.CreateAsync(Server);
        var customer = S(await team.Customer(), "id");
        var foreignCustomer = S(await other.Customer(), "id");
        var foreignAgent = S(await other.Agent(2.35, 48.86), "id");
        var cases = new List<(string Field, Func<Dictionary<string, object?>, object> Change)>
        {
            ("customer_id", d => { d.Remove("customer_id"); return d; }),
            ("customer_id", d => { d["customer_id"] = "cus_nobody"; return d; }),
            ("customer_id", d => { d["customer_id"] = foreignCustomer; return d; }),
            ("customer_id", d => { d["customer_id"] = "cus_\nx"; return d; }),
            ("agent_id", d => { d["agent_id"] = foreignAgent; return d; }),
            ("address", d => { d.Remove("address"); return d; }),
            ("address", d => { d["address"] = new string('a', 501); return d; }),
            ("coordinates", d => { d.Remove("coordinates"); return d; }),
            ("coordinates.type", d => { d["coordinates"] = new { type = "LineString", coordinates = new[] { 2.35, 48.86 } }; return d; }),
            ("coordinates.coordinates", d => { d["coordinates"] = new { type = "Point", coordinates = new[] { 200.0, 48.86 } }; return d; }),
            ("coordinates.coordinates", d => { d["coordinates"] = new { type = "Point", coordinates = new[] { 2.35, -91.0 } }; return d; }),
            ("coordinates.coordinates", d => { d["coordinates"] = new { type = "Point", coordinates = new[] { 2.35 } }; return d; }),
            ("scheduled_time", d => { d["scheduled_time"] = "tomorrow"; return d; }),
            ("scheduled_time", d => { d["scheduled_time"] = "2026-12-24T10:00:00"; return d; }),
            ("scheduled_time", d => { d.Remove("scheduled_time"); return d; }),
            ("estimated_duration", d => { d["estimated_duration"] = 0; return d; }),
            ("estimated_duration", d => { d["estimated_duration"] = "long"; return d; }),
            ("priority", d => { d["priority"] = "asap"; return d; }),
            ("max_retries", d => { d["max_retries"] = 99; return d; }),
            ("package_details.weight", d => { d["package_details"] = new { weight = -1 }; return d; }),
            ("package_details.weight", d => { d["package_details"] = new { weight = "heavy" }; return d; }),
            ("package_details.dimensions.length", d => { d["package_details"] = new { dimensions = new { length = 0, width = 1, height = 1 } }; return d; }),
            ("package_details.value", d => { d["package_details"] = new { value = double.NaN.ToString() }; return d; }),
            ("package_details.colour", d => { d["package_details"] = new { colour = "red" }; return d; }),
            ("status", d => { d["status"] = "completed"; return d; }),
            ("retry_count", d => { d["retry_count"] = 2; return d; }),
            ("colour", d => { d["colour"] = "red"; return d; }),
        };
        foreach (var (field, change) in cases)
        {
            var response = await team.Client.PostAsync("/api/v1/deliveries", Json(change(ValidDelivery(customer))));
            await Kit.AssertError(response, HttpStatusCode.BadRequest, field);
        }
        var list = await Kit.GetData(team.Client, "/api/v1/deliveries");
        Assert.Empty(list["deliveries"]!.AsArray());
        // The engine has no attempt either: a refused create left no event behind.
        var summary = await Kit.GetData(team.Client, $"/api/v1/metrics/summary?kind=parcel&from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-1))}");
        Assert.Equal(0, summary["total"]!.GetValue<long>());
        await DeliveryTeam.Created(await team.Client.PostAsync("/api/v1/deliveries", Json(ValidDelivery(customer))));
    }

    [Fact]
    public async Task Refused_changes_to_a_delivery_leave_it_as_it_was()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(2.35, 48.86);
        var delivery = await team.Delivery(S(await team.Customer(), "id"), 2.35, 48.86, agentId: S(agent, "id"));
        string id = S(delivery, "id"), path = $"/api/v1/deliveries/{id}";
        string before = await Snapshot(team.Client, path);
        var patches = new (string Field, object Body)[]
        {
            ("status", new { status = "completed" }),
            ("agent_id", new { agent_id = S(agent, "id") }),
            ("customer_id", new { customer_id = "cus_x" }),
            ("coordinates.coordinates", new { coordinates = new { type = "Point", coordinates = new[] { 0.0, 100.0 } } }),
            ("priority", new { priority = "whenever" }),
            ("scheduled_time", new { scheduled_time = "soon" }),
            ("address", new { address = "" }),
        };
        foreach (var (field, body) in patches)
            await Kit.AssertError(await team.Client.PatchAsync(path, Json(body)), HttpStatusCode.BadRequest, field);
        var tracking = new (string Field, object Body)[]
        {
            ("status", new { status = "delivered" }),
            ("status", new { status = "scheduled" }),
            ("status", new { notes = "no status" }),
            ("timestamp", new { status = "in_transit", timestamp = Kit.Format(DateTimeOffset.UtcNow.AddDays(2)) }),
            ("timestamp", new { status = "in_transit", timestamp = "1999-12-31T23:59:59Z" }),
            ("location.coordinates", new { status = "in_transit", location = new { type = "Point", coordinates = new[] { 0.0, 95.0 } } }),
            ("notes", new { status = "in_transit", notes = new string('n', 1001) }),
            ("attempt", new { status = "in_transit", attempt = 2 }),
        };
        foreach (var (field, body) in tracking)
            await Kit.AssertError(await team.Client.PostAsync($"{path}/tracking", Json(body)), HttpStatusCode.BadRequest, field);
        await Kit.AssertError(await team.Client.PostAsync($"{path}/feedback", Json(new { rating = 6 })), HttpStatusCode.BadRequest, "rating");
        await Kit.AssertError(await team.Client.PostAsync($"{path}/feedback", Json(new { rating = 0 })), HttpStatusCode.BadRequest, "rating");
        await Kit.AssertError(await team.Client.PostAsync($"{path}/feedback", Json(new { comments = "no rating" })), HttpStatusCode.BadRequest, "rating");
        await Kit.AssertError(await team.Client.PostAsync($"{path}/feedback", Json(new { rating = 5 })), HttpStatusCode.Conflict, "status");
        await Kit.AssertError(await team.Client.PostAsync($"{path}/assign", Json(new { agent_id = "agt_nobody" })), HttpStatusCode.BadRequest, "agent_id");
        await Kit.AssertError(await team.Client.GetAsync("/api/v1/deliveries/del_nobody"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await team.Client.GetAsync($"{path}?colour=red"), HttpStatusCode.BadRequest, "colour");
        Assert.Equal(before, await Snapshot(team.Client, path));
        var item = (await Kit.Item(team.Client, $"delivery:{id}:1"))!;
        Assert.Equal(2, item["event_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_filters_are_checked_and_pages_follow_the_cursor_newest_first()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        string customer = S(await team.Customer(), "id");
        var made = new List<string>();
        for (int i = 0; i < 7; i++) made.Add(S(await team.Delivery(customer, fragile: i % 2 == 0, priority: i < 3 ? "urgent" : "low"), "id"));
        made.Reverse();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Kit.GetData(team.Client, "/api/v1/deliveries?limit=3" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page["deliveries"]!.AsArray().Select(d => S(d!, "id")));
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(made, seen);
        var urgentFragile = (await Kit.GetData(team.Client, "/api/v1/deliveries?priority=urgent&fragile=true"))["deliveries"]!.AsArray();
        Assert.Equal([made[^3], made[^1]], urgentFragile.Select(d => S(d!, "id")));
        var several = (await Kit.GetData(team.Client, "/api/v1/deliveries?status=completed,scheduled&priority=low,urgent"))["deliveries"]!.AsArray();
        Assert.Equal(7, several.Count);
        foreach (var (query, field) in new[]
                 {
                     ("status=delivered", "status"), ("priority=asap", "priority"), ("fragile=perhaps", "fragile"), ("limit=0", "limit"),
                     ("limit=201", "limit"), ("cursor=bm90LWEtY3Vyc29y", "cursor"), ("from=yesterday", "from"), ("agent_id=a%0Ab", "agent_id"),
                     ($"from={Kit.Format(DateTimeOffset.UtcNow)}&to={Kit.Format(DateTimeOffset.UtcNow.AddHours(-1))}", "from"), ("sort=asc", "sort"),
                 })
            await Kit.AssertError(await team.Client.GetAsync("/api/v1/deliveries?" + query), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Customers_and_agents_check_every_field()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var customerCases = new (string Field, object Body)[]
        {
            ("name", new { phone = team.NewPhone() }),
            ("phone", new { name = "A", phone = "12345" }),
            ("phone", new { name = "A", phone = "+12005550100" }),
            ("email", new { name = "A", phone = team.NewPhone(), email = "not-an-address" }),
            ("preferences.preferred_times[1]", new { name = "A", phone = team.NewPhone(), preferences = new { preferred_times = new[] { "09:00-12:00", "9-12" } } }),
            ("preferences.preferred_times[0]", new { name = "A", phone = team.NewPhone(), preferences = new { preferred_times = new[] { "17:00-09:00" } } }),
            ("preferences.preferred_days[0]", new { name = "A", phone = team.NewPhone(), preferences = new { preferred_days = new[] { "caturday" } } }),
            ("preferences.timezone", new { name = "A", phone = team.NewPhone(), preferences = new { timezone = "Mars/Olympus_Mons" } }),
            ("preferences.contact_method", new { name = "A", phone = team.NewPhone(), preferences = new { contact_method = "fax" } }),
            ("preferences.language", new { name = "A", phone = team.NewPhone(), preferences = new { language = "English!" } }),
            ("customer_rating", new { name = "A", phone = team.NewPhone(), customer_rating = 5 }),
        };
        foreach (var (field, body) in customerCases)
            await Kit.AssertError(await team.Client.PostAsync("/api/v1/customers", Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Empty((await Kit.GetData(team.Client, "/api/v1/customers"))["customers"]!.AsArray());

        var agentCases = new (string Field, object Body)[]
        {
            ("name", new { phone = team.NewPhone(), email = "a@example.com", password = Password }),
            ("password", new { name = "A", phone = team.NewPhone(), email = "a@example.com", password = "short" }),
            ("password", new { name = "A", phone = team.NewPhone(), email = "a@example.com" }),
            ("role", new { name = "A", phone = team.NewPhone(), email = "a@example.com", password = Password, role = "boss" }),
            ("email", new { name = "A", phone = team.NewPhone(), email = "A <a@example.com>", password = Password }),
            ("current_location.coordinates", new { name = "A", phone = team.NewPhone(), email = "a@example.com", password = Password, current_location = new { type = "Point", coordinates = new[] { 181.0, 0.0 } } }),
            ("performance_metrics", new { name = "A", phone = team.NewPhone(), email = "a@example.com", password = Password, performance_metrics = new { total_deliveries = 9 } }),
        };
        foreach (var (field, body) in agentCases)
            await Kit.AssertError(await team.Client.PostAsync("/api/v1/agents", Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Empty((await Kit.GetData(team.Client, "/api/v1/agents"))["agents"]!.AsArray());

        var agent = await team.Agent(1, 1);
        string path = $"/api/v1/agents/{S(agent, "id")}";
        string before = await Snapshot(team.Client, path);
        await Kit.AssertError(await team.Client.PutAsync($"{path}/location", Json(new { type = "Point", coordinates = new[] { -180.5, 10.0 } })), HttpStatusCode.BadRequest, "coordinates");
        await Kit.AssertError(await team.Client.PutAsync($"{path}/location", Json(new { type = "Point", coordinates = new[] { 10.0, 90.5 } })), HttpStatusCode.BadRequest, "coordinates");
        await Kit.AssertError(await team.Client.PutAsync($"{path}/location", Json(new { coordinates = new[] { 10.0, 10.0 } })), HttpStatusCode.BadRequest, "type");
        await Kit.AssertError(await team.Client.PutAsync($"{path}/push-subscription", Json(new { endpoint = "http://push.example.com/x", keys = new { p256dh = P256, auth = Auth } })),
            HttpStatusCode.BadRequest, "endpoint");
        await Kit.AssertError(await team.Client.PutAsync($"{path}/push-subscription", Json(new { endpoint = "https://push.example.com/x", keys = new { p256dh = "AAAA", auth = Auth } })),
            HttpStatusCode.BadRequest, "keys.p256dh");
        await Kit.AssertError(await team.Client.PutAsync($"{path}/push-subscription", Json(new { endpoint = "https://push.example.com/x", keys = new { p256dh = P256 } })),
            HttpStatusCode.BadRequest, "keys.auth");
        await Kit.AssertError(await team.Client.PatchAsync(path, Json(new { login_count = 3 })), HttpStatusCode.BadRequest, "login_count");
        await Kit.AssertError(await team.Client.PatchAsync(path, Json(new { phone = "555" })), HttpStatusCode.BadRequest, "phone");
        Assert.Equal(before, await Snapshot(team.Client, path));
        foreach (var (query, field) in new[] { ("lat=10", "lon"), ("lon=10", "lat"), ("lon=10&lat=91", "lat"), ("lon=-181&lat=0", "lon"), ("lon=1&lat=1&radius_km=0", "radius_km"), ("lon=1&lat=1&limit=101", "limit") })
            await Kit.AssertError(await team.Client.GetAsync("/api/v1/agents/nearby?" + query), HttpStatusCode.BadRequest, field);
        var stored = await Ok(await team.Client.PutAsync($"{path}/push-subscription", Json(new { endpoint = "https://push.example.com/x", expirationTime = (long?)null, keys = new { p256dh = P256, auth = Auth } })));
        Assert.Equal("https://push.example.com/x", S(stored["push_subscription"]!, "endpoint"));
        Assert.DoesNotContain(Auth, stored.ToJsonString());
        await Kit.AssertError(await team.Client.PutAsync("/api/v1/delivery-settings", Json(new { max_active_deliveries = 0 })), HttpStatusCode.BadRequest, "max_active_deliveries");
        await Kit.AssertError(await team.Client.PutAsync("/api/v1/delivery-settings", Json(new { twilio = new { account_sid = "XX1", auth_token = "t", from_number = team.NewPhone() } })),
            HttpStatusCode.BadRequest, "twilio.account_sid");
    }

    /// <summary>A P-256 public key (65 bytes, uncompressed) and a 16-byte secret, base64url, as a browser's subscription has them.</summary>
    private static readonly string P256 = Convert.ToBase64String([4, .. Enumerable.Range(1, 64).Select(i => (byte)i)]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    private static readonly string Auth = Convert.ToBase64String(Encoding.ASCII.GetBytes("sixteen-bytes-ok")).TrimEnd('=');

    [Fact]
    public async Task One_team_never_reads_or_changes_another_teams_deliveries_agents_or_customers()
    {
        var a = await DeliveryTeam.CreateAsync(Server);
        var b = await DeliveryTeam.CreateAsync(Server);
        var agent = await a.Agent(5, 5);
        var customer = await a.Customer();
        var delivery = await a.Delivery(S(customer, "id"), 5, 5, agentId: S(agent, "id"));
        string id = S(delivery, "id");
        string before = await Snapshot(a.Client, $"/api/v1/deliveries/{id}");
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/deliveries/{id}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/agents/{S(agent, "id")}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/customers/{S(customer, "id")}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PatchAsync($"/api/v1/deliveries/{id}", Json(new { priority = "low" })), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PostAsync($"/api/v1/deliveries/{id}/tracking", Json(new { status = "cancelled" })), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PostAsync($"/api/v1/deliveries/{id}/assign", Json(new { })), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PatchAsync($"/api/v1/agents/{S(agent, "id")}", Json(new { name = "mine" })), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.PutAsync($"/api/v1/agents/{S(agent, "id")}/location", Json(new { type = "Point", coordinates = new[] { 1.0, 1.0 } })), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.DeleteAsync($"/api/v1/customers/{S(customer, "id")}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/deliveries?team={a.Id}"), HttpStatusCode.Forbidden);
        Assert.Empty((await Kit.GetData(b.Client, $"/api/v1/deliveries?agent_id={S(agent, "id")}"))["deliveries"]!.AsArray());
        Assert.Empty((await Kit.GetData(b.Client, "/api/v1/agents/nearby?lon=5&lat=5&radius_km=50")).AsArray());
        Assert.Empty((await Kit.GetData(b.Client, "/api/v1/analytics/agents"))["agents"]!.AsArray());
        await Kit.AssertError(await b.Client.GetAsync($"/api/v1/analytics/agents/{S(agent, "id")}"), HttpStatusCode.NotFound);
        Assert.Equal(before, await Snapshot(a.Client, $"/api/v1/deliveries/{id}"));
        // A key without the scopes is refused.
        string metricsOnly = await Server.CreateKeyAsync(a.Id, ["metrics:read"]);
        await Kit.AssertError(await Server.Client(metricsOnly).GetAsync("/api/v1/deliveries"), HttpStatusCode.Forbidden);
        string readOnly = await Server.CreateKeyAsync(a.Id, ["deliveries:read"]);
        await Kit.AssertError(await Server.Client(readOnly).PostAsync($"/api/v1/deliveries/{id}/tracking", Json(new { status = "cancelled" })), HttpStatusCode.Forbidden);
        await Kit.AssertError(await Server.Client(readOnly).PostAsync("/api/v1/agents", Json(new { name = "x" })), HttpStatusCode.Forbidden);
        // An admin key names the team.
        var listed = await Kit.GetData(Server.Admin, $"/api/v1/deliveries?team={a.Id}");
        Assert.Equal(id, S(listed["deliveries"]![0]!, "id"));
        await Kit.AssertError(await Server.Admin.GetAsync("/api/v1/deliveries"), HttpStatusCode.BadRequest, "team");
    }
}
