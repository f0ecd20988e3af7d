using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Hosting;
using Herald.Maintenance;
using Herald.Recordings;
using Herald.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Herald.Tests.Deliveries;
using Herald.Tests.Support;

namespace Herald.Tests.Security;

/// <summary>The audit trail over real HTTP and the real CLI: who did what, never a value, one team's own, and a chain that shows edits.</summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private const string TwilioToken = "tw-audit-secret-4d2f9a";
    private HeraldServer _server = null!;

    public async Task InitializeAsync() => _server = await HeraldServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_write_is_recorded_with_actor_resource_outcome_and_field_names_but_never_a_value()
    {
        var team = await DeliveryTeam.CreateAsync(_server);
        var put = await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new
        {
            twilio = new { account_sid = "AC0123456789abcdef0123456789abcdef", auth_token = TwilioToken, from_number = "+14155550100" },
            max_active_deliveries = 4,
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var customer = await team.Customer();
        string customerId = customer["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await team.Client.GetAsync($"/api/v1/customers/{customerId}")).StatusCode);
        var refused = await team.Client.PostAsJsonAsync("/api/v1/customers", new { name = "No phone" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var anonymous = await _server.Client(null).PostAsJsonAsync("/api/v1/customers", new { name = "Anon", phone = "+12125550199" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        // An ordinary read is not recorded.
        Assert.Equal(HttpStatusCode.OK, (await team.Client.GetAsync("/api/v1/delivery-settings")).StatusCode);

        var all = await ReadAll(_server.Admin, "");
        string keyActor = all.Single(e => S(e, "resource_type") == "delivery-settings")["actor"]!.GetValue<string>();
        Assert.StartsWith("key:key_", keyActor);

        var settings = all.Single(e => S(e, "resource_type") == "delivery-settings");
        Assert.Equal(("update", 200, team.Id, "127.0.0.1"), (S(settings, "action"), settings["outcome"]!.GetValue<int>(), S(settings, "team"), S(settings, "remote_ip")));
        Assert.Equal(["twilio.account_sid", "twilio.auth_token", "twilio.from_number", "max_active_deliveries"], Names(settings));

        var created = all.Single(e => S(e, "resource_type") == "customers" && S(e, "action") == "create" && e["outcome"]!.GetValue<int>() == 201);
        Assert.Equal((customerId, keyActor), (S(created, "resource_id"), S(created, "actor")));
        Assert.Contains("phone", Names(created));
        var read = all.Single(e => S(e, "resource_type") == "customers" && S(e, "action") == "read");
        Assert.Equal((customerId, 200), (S(read, "resource_id"), read["outcome"]!.GetValue<int>()));
        var bad = all.Single(e => S(e, "resource_type") == "customers" && e["outcome"]!.GetValue<int>() == 400);
        Assert.Null(bad["changes"]);
        var denied = all.Single(e => e["outcome"]!.GetValue<int>() == 401);
        Assert.Equal(("anonymous", "customers", "create"), (S(denied, "actor"), S(denied, "resource_type"), S(denied, "action")));
        Assert.DoesNotContain(all, e => S(e, "resource_type") == "delivery-settings" && S(e, "action") == "read");

        // The secret is in the settings, and nowhere in the trail: neither answered nor stored.
        string stored = (string)_server.StoredValue(
            "SELECT group_concat(actor || coalesce(remote_ip, '') || action || resource_type || coalesce(resource_id, '') || coalesce(changes, ''), '|') FROM audit_log")!;
        Assert.DoesNotContain(TwilioToken, stored);
        Assert.DoesNotContain(TwilioToken, await _server.Admin.GetStringAsync("/api/v1/audit?limit=1000"));
    }

    [Fact]
    public async Task A_team_reads_only_its_own_trail_with_audit_read_and_filters_and_cursor_pages_agree_with_the_whole()
    {
        var a = await DeliveryTeam.CreateAsync(_server, [.. DeliveryTeam.AllScopes, "audit:read"]);
        var b = await DeliveryTeam.CreateAsync(_server, [.. DeliveryTeam.AllScopes, "audit:read"]);
        var noScope = await DeliveryTeam.CreateAsync(_server);
        for (int i = 0; i < 7; i++) await a.Customer();
        for (int i = 0; i < 3; i++) await b.Customer();

        var ofA = await ReadAll(a.Client, "");
        Assert.Equal(7, ofA.Count(e => S(e, "resource_type") == "customers"));
        Assert.All(ofA, e => Assert.Equal(a.Id, S(e, "team")));
        var ofB = await ReadAll(b.Client, "");
        Assert.Equal(3, ofB.Count(e => S(e, "resource_type") == "customers"));
        Assert.All(ofB, e => Assert.Equal(b.Id, S(e, "team")));
        Assert.Equal(HttpStatusCode.Forbidden, (await a.Client.GetAsync($"/api/v1/audit?team={b.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await noScope.Client.GetAsync("/api/v1/audit")).StatusCode);

        // Pages of 2 walk the same entries as one page, newest first, none twice.
        var whole = await ReadAll(_server.Admin, "&resource_type=customers&action=create");
        var paged = await ReadAll(_server.Admin, "&resource_type=customers&action=create", pageSize: 2);
        Assert.Equal(whole.Select(e => S(e, "id")), paged.Select(e => S(e, "id")));
        Assert.Equal(whole.Select(e => long.Parse(S(e, "id")!)).OrderByDescending(x => x), whole.Select(e => long.Parse(S(e, "id")!)));
        Assert.True(whole.Count >= 10);
        var byActor = await ReadAll(_server.Admin, "&actor=" + S(ofA.First(e => S(e, "resource_type") == "customers"), "actor"));
        Assert.Equal(ofA.Select(e => S(e, "id")).ToHashSet(), byActor.Where(e => S(e, "team") == a.Id).Select(e => S(e, "id")).ToHashSet());

        var badCursor = await _server.Admin.GetAsync("/api/v1/audit?cursor=abc");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Contains("cursor", await badCursor.Content.ReadAsStringAsync());
        var badFrom = await _server.Admin.GetAsync("/api/v1/audit?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badFrom.StatusCode);
    }

    [Fact]
    public async Task Concurrent_writes_each_get_one_entry_and_the_chain_holds()
    {
        var team = await DeliveryTeam.CreateAsync(_server);
        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => team.Customer()));
        var entries = await ReadAll(_server.Admin, "&resource_type=customers&action=create");
        Assert.Equal(60, entries.Count(e => S(e, "team") == team.Id));
        Assert.Equal(entries.Count, entries.Select(e => S(e, "id")).Distinct().Count());
        Assert.True(_server.Services.GetRequiredService<IAuditStore>().VerifyAudit().Intact);
        // The answered hash is the stored chain's.
        var newest = (await ReadAll(_server.Admin, "", pageSize: 1000))[0];
        Assert.Equal(Convert.ToHexStringLower((byte[])_server.StoredValue("SELECT hash FROM audit_log WHERE seq = $s", ("$s", long.Parse(S(newest, "id")!)))!),
            S(newest, "hash"));
    }

    [Fact]
    public async Task Delivery_writes_stored_in_the_writers_transaction_get_one_entry_each_and_share_the_chain()
    {
        var team = await DeliveryTeam.CreateAsync(_server);
        string customerId = (await team.Customer())["id"]!.GetValue<string>();
        Dictionary<string, object?> Body(string customer) => new()
        {
            ["customer_id"] = customer,
            ["address"] = "123 Main St",
            ["coordinates"] = new { type = "Point", coordinates = new[] { -74.0, 40.7 } },
            ["scheduled_time"] = DateTimeOffset.UtcNow.AddHours(2).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["package_details"] = new { weight = 1.5 },
        };
        // Deliveries (recorded by the delivery writer), refused ones (an unknown customer: refused inside the writer) and
        // customers (recorded by the audit trail's own group commit), all at once: they must still form one chain.
        var creates = Enumerable.Range(0, 40).Select(_ => team.Client.PostAsJsonAsync("/api/v1/deliveries", Body(customerId))).ToList();
        var refusals = Enumerable.Range(0, 5).Select(_ => team.Client.PostAsJsonAsync("/api/v1/deliveries", Body("cus_nobody"))).ToList();
        var customers = Enumerable.Range(0, 20).Select(_ => team.Customer()).ToList();
        await Task.WhenAll([.. creates, .. refusals, .. customers.Select(c => (Task)c)]);
        var createdIds = new List<string>();
        foreach (var response in creates) createdIds.Add((await DeliveryTeam.Created(await response))["id"]!.GetValue<string>());
        foreach (var response in refusals) Assert.Equal(HttpStatusCode.BadRequest, (await response).StatusCode);
        var patched = await team.Client.PatchAsJsonAsync($"/api/v1/deliveries/{createdIds[0]}", new { priority = "high" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await team.Client.PatchAsJsonAsync("/api/v1/deliveries/dlv_nowhere", new { priority = "high" })).StatusCode);

        var entries = (await ReadAll(_server.Admin, "&resource_type=deliveries")).Where(e => S(e, "team") == team.Id).ToList();
        var created = entries.Where(e => S(e, "action") == "create" && e["outcome"]!.GetValue<int>() == 201).ToList();
        Assert.Equal(createdIds.Order(StringComparer.Ordinal), created.Select(e => S(e, "resource_id")!).Order(StringComparer.Ordinal));
        Assert.All(created, e => Assert.Equal(["customer_id", "address", "coordinates.type", "coordinates.coordinates", "scheduled_time", "package_details.weight"], Names(e)));
        Assert.All(created, e => Assert.Equal(("127.0.0.1", true), (S(e, "remote_ip"), S(e, "actor")!.StartsWith("key:key_", StringComparison.Ordinal))));
        var refused = entries.Where(e => e["outcome"]!.GetValue<int>() == 400).ToList();
        Assert.Equal(5, refused.Count);
        Assert.All(refused, e => Assert.Equal("create", S(e, "action")));
        Assert.All(refused, e => Assert.Null(e["resource_id"]));
        Assert.All(refused, e => Assert.Null(e["changes"]));
        var update = Assert.Single(entries, e => S(e, "action") == "update" && e["outcome"]!.GetValue<int>() == 200);
        Assert.Equal(createdIds[0], S(update, "resource_id"));
        Assert.Equal(["priority"], Names(update));
        var missing = Assert.Single(entries, e => e["outcome"]!.GetValue<int>() == 404);
        Assert.Equal(("update", "dlv_nowhere"), (S(missing, "action"), S(missing, "resource_id")));
        Assert.Equal(40 + 5 + 2, entries.Count);
        Assert.Equal(21, (await ReadAll(_server.Admin, "&resource_type=customers&action=create")).Count(e => S(e, "team") == team.Id));
        Assert.True(_server.Services.GetRequiredService<IAuditStore>().VerifyAudit().Intact);
    }

    [Fact]
    public async Task A_blocked_address_writes_one_throttle_entry_not_one_per_refusal()
    {
        using var guesser = _server.Client("hk_not_a_key_at_all");
        for (int i = 0; i < 30; i++) await guesser.GetAsync("/api/v1/metrics/summary");
        // The address is blocked now, for the admin key too: read the trail from the store.
        var store = _server.Services.GetRequiredService<IAuditStore>();
        await _server.Services.GetRequiredService<Herald.Audit.AuditTrail>().RecordAsync(
            new AuditEntry(0, null, "test", null, "flush", "test", null, 0, null));
        var entry = Assert.Single(store.ReadAudit(new AuditQuery(null, null, null, null, null, "throttle", null, 100))).Entry;
        Assert.Equal(("sign-in", 429, "anonymous", "127.0.0.1"), (entry.ResourceType, entry.Outcome, entry.Actor, entry.RemoteIp));
    }

    [Fact]
    public async Task Cli_actions_are_recorded_and_an_edit_made_with_sqlite3_is_found_by_audit_verify()
    {
        var team = await DeliveryTeam.CreateAsync(_server);
        for (int i = 0; i < 4; i++) await team.Customer();
        string dataDir = _server.DataDir;
        await _server.StopAsync();

        var (code, stdout, _) = await HeraldCli.RunSplitAsync(dataDir, "keys", "create", "--team", team.Id, "--scopes", "metrics:read");
        Assert.Equal(0, code);
        string keyId = System.Text.RegularExpressions.Regex.Match(stdout, "key_[0-9a-f]+").Value;
        (code, stdout, var stderr) = await HeraldCli.RunSplitAsync(dataDir, "audit", "verify");
        Assert.True(code == 0, stderr);
        Assert.Contains("intact", stdout);

        string db = Path.Combine(dataDir, "herald.db");
        var last = Sqlite3(db, "SELECT actor || ' ' || action || ' ' || resource_type || ' ' || resource_id FROM audit_log ORDER BY seq DESC LIMIT 1");
        Assert.Equal($"cli create keys {keyId}", last.Output.Trim());

        // The table refuses an edit; one who drops the guard first is caught by the chain, at that entry.
        var guarded = Sqlite3(db, "UPDATE audit_log SET outcome = 200 WHERE seq = 3");
        Assert.NotEqual(0, guarded.Code);
        Assert.Contains("append-only", guarded.Output);
        var edited = Sqlite3(db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 299 WHERE seq = 3");
        Assert.True(edited.Code == 0, edited.Output);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, "audit", "verify");
        Assert.Equal(1, code);
        Assert.Contains("broken at entry 3", stderr);
    }

    [Fact]
    public void Retention_removes_old_entries_and_the_kept_chain_still_verifies_while_a_removed_middle_is_found()
    {
        using var temp = new TempStore("audit");
        var store = temp.Store;
        long day = 86_400_000;
        var entries = Enumerable.Range(0, 10)
            .Select(i => new AuditEntry(i * day, temp.TeamId, "cli", null, "create", "teams", i.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, ["name"]))
            .ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), store.AppendAudit(entries));
        var purger = new RetentionPurger(store, new RetentionOptions(), new DirectoryArchiveStore(Path.Combine(temp.Dir, "archives")), new FileAudioStore(temp.Dir),
            new HeraldOptions { DataDir = temp.Dir }, NullLogger<RetentionPurger>.Instance);
        Assert.Equal(4, purger.Purge(PurgeCollection.Audit, "audit", 4 * day, DateTimeOffset.UtcNow));
        var kept = store.VerifyAudit();
        Assert.Equal((6L, 5L, 10L, true), (kept.Checked, kept.FirstSeq!.Value, kept.LastSeq!.Value, kept.Intact));
        // A later append continues the chain after the kept tail; an old entry after young ones is not a prefix, so it stays.
        Assert.Equal([11L], store.AppendAudit([entries[0] with { AtMs = 0 }]));
        Assert.Equal(0, purger.Purge(PurgeCollection.Audit, "audit", 4 * day, DateTimeOffset.UtcNow));
        Assert.True(store.VerifyAudit().Intact);
        // Even when every entry is past the horizon, the last one stays for later appends to follow.
        Assert.Equal(6, purger.Purge(PurgeCollection.Audit, "audit", 20 * day, DateTimeOffset.UtcNow));
        Assert.Equal((1L, 11L, true), (store.VerifyAudit().Checked, store.VerifyAudit().FirstSeq!.Value, store.VerifyAudit().Intact));

        Assert.Equal([12L, 13L, 14L], store.AppendAudit([entries[1], entries[2], entries[3]]));
        var cut = Sqlite3(Path.Combine(temp.Dir, "herald.db"), "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 12");
        Assert.True(cut.Code == 0, cut.Output);
        var broken = store.VerifyAudit();
        Assert.Equal(13L, broken.FirstBadSeq);
        Assert.Contains("missing", broken.Problem);
    }

    private static async Task<List<JsonNode>> ReadAll(HttpClient client, string filters, int pageSize = 1000)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await HeraldServer.ReadData(await client.GetAsync($"/api/v1/audit?limit={pageSize}{filters}{(cursor is null ? "" : "&cursor=" + cursor)}"));
            all.AddRange(page["entries"]!.AsArray().Select(e => e!));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return all;
    }

    private static string? S(JsonNode e, string field) => e[field]?.GetValue<string>();

    private static List<string> Names(JsonNode e) => e["changes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    private static (int Code, string Output) Sqlite3(string db, string sql)
    {
        var psi = new ProcessStartInfo("sqlite3", [db, sql]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
