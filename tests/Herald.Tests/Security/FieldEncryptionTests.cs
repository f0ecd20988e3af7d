using System.Net;
using System.Net.Http.Json;
using System.Text;
using Herald.Tests.Api;
using Herald.Tests.Deliveries;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Security;

/// <summary>
/// Field encryption: secrets and personal data are sealed in the database file, its WAL and backups, answered in clear
/// only to their team; the master key can be rotated while the server runs; a wrong or missing key stops the start.
/// </summary>
public sealed class FieldEncryptionTests : IDisposable
{
    private const string BackupKey = "field encryption backup key";
    private const string Secret = "whsec-9f8e7d6c5b4a3210-field";
    private const string AgentPhone = "+12127650147";
    private const string AgentEmail = "zebulon.quartermaine@agents.example.com";
    private const string AgentName = "Zebulon Quartermaine";
    private const string CustomerName = "Ophelia Marchbanks-Trevelyan";
    private const string CustomerEmail = "ophelia.marchbanks@customers.example.org";
    private const string CustomerAddress = "742 Evergreen Terrace, Springfield 49007";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-fieldenc-tests", Guid.NewGuid().ToString("n"));

    public FieldEncryptionTests() => Directory.CreateDirectory(_work);

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private sealed record Stored(DeliveryTeam Team, string Key, string AgentId, string CustomerId)
    {
        /// <summary>The same team, on a server restarted over the same data directory.</summary>
        public Stored On(HeraldServer server) => this with { Team = new DeliveryTeam(Team.Id, Team.Name, server.Client(Key), server) };
    }

    /// <summary>A team with a webhook secret, an agent and a customer, all of known values.</summary>
    private static async Task<Stored> StoreKnownValuesAsync(HeraldServer server)
    {
        string name = $"fieldenc-{Guid.NewGuid():n}"[..24];
        var (teamId, _) = await server.CreateTeamAsync(name, "metrics:read");
        string key = await server.CreateKeyAsync(teamId, [.. DeliveryTeam.AllScopes, "events:write"], rateLimit: new { requests = 100_000, period = 60_000 });
        var team = new DeliveryTeam(teamId, name, server.Client(key), server);
        var put = await team.Client.PutAsJsonAsync($"/api/v1/teams/{team.Id}/webhooks/twilio", new { secret = Secret });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var agent = await team.Agent(email: AgentEmail, phone: AgentPhone);
        await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/agents/{S(agent, "id")}", new { name = AgentName }));
        var customer = await Created(await team.Client.PostAsJsonAsync("/api/v1/customers", new
        {
            name = CustomerName, phone = team.NewPhone(), email = CustomerEmail, address = CustomerAddress,
        }));
        return new Stored(team, key, S(agent, "id"), S(customer, "id"));
    }

    /// <summary>The team reads every value back in clear, signs the agent in by e-mail, and never sees the secret.</summary>
    private static async Task AssertAnsweredAsync(Stored stored)
    {
        var agent = await Kit.GetData(stored.Team.Client, $"/api/v1/agents/{stored.AgentId}");
        Assert.Equal((AgentName, AgentPhone, AgentEmail), (S(agent, "name"), S(agent, "phone"), S(agent, "email")));
        var customer = await Kit.GetData(stored.Team.Client, $"/api/v1/customers/{stored.CustomerId}");
        Assert.Equal((CustomerName, CustomerEmail, CustomerAddress), (S(customer, "name"), S(customer, "email"), S(customer, "address")));
        await stored.Team.SignIn(agent);
        string hooks = await stored.Team.Client.GetStringAsync($"/api/v1/teams/{stored.Team.Id}/webhooks");
        Assert.DoesNotContain(Secret, hooks);
        Assert.Contains("\"secret_configured\":true", hooks);
        var other = await DeliveryTeam.CreateAsync(stored.Team.Server);
        await Kit.AssertError(await other.Client.GetAsync($"/api/v1/agents/{stored.AgentId}"), HttpStatusCode.NotFound);
    }

    private static IEnumerable<(string What, byte[] Bytes)> Needles() =>
        ClearText.Needles([Secret, AgentPhone, AgentEmail, AgentName, CustomerName, CustomerEmail, CustomerAddress]);

    private static void AssertNoneIn(string where, byte[] bytes) => ClearText.AssertNoneIn(where, bytes, Needles());

    private static byte[] ReadShared(string path) => ClearText.ReadShared(path);

    [Fact]
    public async Task Secrets_phones_emails_names_and_addresses_are_sealed_in_the_database_its_wal_and_a_backup_yet_answered_to_their_team()
    {
        await using var server = await HeraldServer.StartAsync();
        var stored = await StoreKnownValuesAsync(server);
        await AssertAnsweredAsync(stored);

        string db = Path.Combine(server.DataDir, "herald.db");
        byte[] file = ReadShared(db), wal = ReadShared(db + "-wal");
        // The scan finds what is stored in clear (the team's name), so its silence about the rest means something.
        Assert.True(file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(stored.Team.Name)) >= 0 || wal.AsSpan().IndexOf(Encoding.UTF8.GetBytes(stored.Team.Name)) >= 0);
        AssertNoneIn("the database file", file);
        AssertNoneIn("the WAL", wal);

        var withKey = new Dictionary<string, string> { ["HERALD_BACKUP_KEY"] = BackupKey };
        string backup = Path.Combine(_work, "sealed.hbk"), restored = Path.Combine(_work, "restored");
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, withKey, "backup", "create", "--out", backup);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, withKey, "backup", "restore", backup, "--data-dir", restored);
        Assert.True(code == 0, stderr);
        byte[] restoredDb = ReadShared(Path.Combine(restored, "herald.db"));
        Assert.True(restoredDb.AsSpan().IndexOf(Encoding.UTF8.GetBytes(stored.Team.Name)) >= 0, "the restored backup holds the team");
        AssertNoneIn("the decrypted backup", restoredDb);
        AssertNoneIn("the decrypted backup's WAL", ReadShared(Path.Combine(restored, "herald.db-wal")));
    }

    [Fact]
    public async Task Rotating_the_master_key_while_the_server_runs_keeps_every_value_readable_and_retires_the_old_key()
    {
        await using var server = await HeraldServer.StartAsync();
        string dataDir = server.DataDir, keyFile = Path.Combine(dataDir, "keys", "master.key");
        string oldKey = (await File.ReadAllTextAsync(keyFile)).Trim();
        var stored = await StoreKnownValuesAsync(server);
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(dataDir, "keys", "rotate-master");
        Assert.True(code == 0, stderr);
        Assert.Contains("re-wrapped 2 data keys", stdout);
        Assert.NotEqual(oldKey, (await File.ReadAllTextAsync(keyFile)).Trim());
        Assert.False(File.Exists(keyFile + ".next"));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        // The running server goes on: its data keys are in memory.
        await AssertAnsweredAsync(stored);
        Assert.Equal(1L, server.StoredValue("SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action = 'rotate' AND resource_type = 'master_key'"));

        await server.RestartAsync();
        await AssertAnsweredAsync(stored.On(server));
        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The old key opens nothing any more: a start with it stops with a clear error.
        var (failed, _, error) = await HeraldCli.RunSplitAsync(dataDir, new Dictionary<string, string> { ["HERALD_MASTER_KEY"] = oldKey },
            "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, failed);
        Assert.Contains("is not the one the data keys are wrapped under", error);
    }

    [Fact]
    public async Task A_missing_or_wrong_master_key_stops_the_start_with_a_clear_error()
    {
        await using var server = await HeraldServer.StartAsync();
        string dataDir = server.DataDir;
        await StoreKnownValuesAsync(server);
        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        string keyFile = Path.Combine(dataDir, "keys", "master.key"), kept = Path.Combine(_work, "master.key");
        File.Move(keyFile, kept);
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("no master key", stderr);
        Assert.False(File.Exists(keyFile), "a start without the key must not make a new one");

        (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir,
            new Dictionary<string, string> { ["HERALD_MASTER_KEY"] = Convert.ToBase64String(new byte[32]) }, "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("is not the one the data keys are wrapped under", stderr);

        (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, new Dictionary<string, string> { ["HERALD_MASTER_KEY"] = "too short" }, "serve");
        Assert.Equal(2, code);
        Assert.Contains("must hold a 32-byte master key", stderr);

        File.Move(kept, keyFile);
        await server.RestartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/teams")).StatusCode);
    }

    [Fact]
    public async Task Values_stored_in_clear_before_encryption_are_sealed_at_the_next_start_and_still_found_by_value()
    {
        await using var server = await HeraldServer.StartAsync();
        var stored = await StoreKnownValuesAsync(server);
        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // As an older Herald left them: plain text, and no blind indexes.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(server.DataDir, "herald.db")}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                UPDATE agents SET name = '{AgentName}', phone = '{AgentPhone}', email = '{AgentEmail}', phone_index = NULL, email_index = NULL;
                UPDATE contacts SET name = '{CustomerName}', email = '{CustomerEmail}', address = '{CustomerAddress}' WHERE customer_id IS NOT NULL;
                UPDATE webhook_secrets SET secret = '{Secret}';
                """;
            cmd.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await server.RestartAsync();
        foreach (var column in new[] { "name", "phone", "email" })
            Assert.Equal("blob", server.StoredValue($"SELECT DISTINCT typeof({column}) FROM agents"));
        Assert.Equal(0L, server.StoredValue("SELECT COUNT(*) FROM agents WHERE phone_index IS NULL OR email_index IS NULL"));
        foreach (var column in new[] { "name", "email", "address" })
            Assert.Equal("blob", server.StoredValue($"SELECT DISTINCT typeof({column}) FROM contacts WHERE customer_id IS NOT NULL"));
        Assert.Equal("blob", server.StoredValue("SELECT DISTINCT typeof(secret) FROM webhook_secrets"));
        var upgraded = stored.On(server);
        await AssertAnsweredAsync(upgraded);
        // The agent is unique by its blind index again: the same phone is refused.
        await Kit.AssertError(await upgraded.Team.Client.PostAsJsonAsync("/api/v1/agents",
            new { name = "B", phone = AgentPhone, email = "b@example.com", password = Password }), HttpStatusCode.Conflict, "phone");
    }
}
