using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Npgsql;

namespace Herald.Tests.Storage;

/// <summary>
/// Field encryption on PostgreSQL: webhook secrets and message bodies reach the database sealed (no text column holds
/// them), are answered and used as before, and values an older Herald stored in clear are sealed at the next start;
/// <c>herald keys rotate-master</c> re-wraps the data keys in the database under a new master key.
/// </summary>
public sealed class PostgresFieldEncryptionTests
{
    private const string Secret = "whsec-postgres-7a6b5c4d3e2f";
    private const string VerifyToken = "vt-postgres-0f1e2d3c";
    private const string InboundBody = "Leave it behind the blue recycling bin please";

    private static object Inbound(string id, string text) => new Dictionary<string, object?>
    {
        ["item_id"] = id, ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.At(30), ["direction"] = "inbound",
        ["recipient"] = "+12127650199", ["text"] = text, ["channel"] = "sms",
    };

    private static long Count(string cs, string sql) => Convert.ToInt64(Scalar(cs, sql));

    [Fact]
    public async Task Webhook_secrets_and_message_bodies_are_sealed_on_postgres_answered_in_clear_and_older_plain_values_sealed_at_start()
    {
        var settings = TestStores.Settings(TestStores.Postgres, "fieldenc");
        string cs = settings["Herald:Store:ConnectionString"]!;
        await using var server = await HeraldServer.StartAsync(settings);
        var created = await server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = $"pgenc-{Guid.NewGuid():n}"[..20] });
        var team = await HeraldServer.ReadData(created);
        string teamId = team["id"]!.GetValue<string>(), token = team["webhook_token"]!.GetValue<string>();
        var client = server.Client(await server.CreateKeyAsync(teamId, ["events:write", "metrics:read"]));
        var put = await client.PutAsJsonAsync($"/api/v1/teams/{teamId}/webhooks/whatsapp", new { secret = Secret, verify_token = VerifyToken });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        await Kit.Ingest(client, new List<object> { Inbound("pg-in-1", InboundBody), Inbound("pg-in-2", "STOP") });

        // Answered as before: the verify token opens for Meta's handshake, the body comes back with its item.
        using var anon = server.Client(null);
        var handshake = await anon.GetAsync($"/webhooks/whatsapp/{token}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=8812");
        Assert.Equal((HttpStatusCode.OK, "8812"), (handshake.StatusCode, await handshake.Content.ReadAsStringAsync()));
        Assert.Equal(InboundBody, (await Kit.GetData(client, "/api/v1/items/pg-in-1"))["events"]![0]!["text"]!.GetValue<string>());

        // Stored sealed: nothing in the text columns, and no stored value contains the clear bytes.
        Assert.Equal(0L, Count(cs, "SELECT COUNT(*) FROM webhook_secrets WHERE secret IS NOT NULL OR verify_token IS NOT NULL"));
        Assert.Equal(1L, Count(cs, "SELECT COUNT(*) FROM webhook_secrets WHERE secret_sealed IS NOT NULL AND verify_token_sealed IS NOT NULL"));
        Assert.Equal(0L, Count(cs, "SELECT COUNT(*) FROM events WHERE text IS NOT NULL"));
        Assert.Equal(2L, Count(cs, "SELECT COUNT(*) FROM events WHERE text_sealed IS NOT NULL"));
        foreach (var value in new[] { Secret, VerifyToken, InboundBody })
        {
            Assert.Equal(0L, Count(cs, $"""
                SELECT (SELECT COUNT(*) FROM webhook_secrets WHERE position(convert_to('{value}', 'UTF8') IN secret_sealed) > 0
                                                                OR position(convert_to('{value}', 'UTF8') IN verify_token_sealed) > 0)
                     + (SELECT COUNT(*) FROM events WHERE position(convert_to('{value}', 'UTF8') IN text_sealed) > 0)
                """));
        }
        Assert.Equal(2L, Count(cs, "SELECT COUNT(*) FROM data_keys"));

        // As an older Herald left them: in clear. The next start seals them, and they still work.
        await server.RestartAsync(() =>
        {
            using var c = new NpgsqlConnection(cs);
            c.Open();
            using var cmd = new NpgsqlCommand($"""
                UPDATE webhook_secrets SET secret = '{Secret}', verify_token = '{VerifyToken}', secret_sealed = NULL, verify_token_sealed = NULL;
                UPDATE events SET text = '{InboundBody}', text_sealed = NULL WHERE item_ref = (SELECT id FROM items WHERE item_id = 'pg-in-1');
                """, c);
            cmd.ExecuteNonQuery();
        });
        Assert.Equal(0L, Count(cs, "SELECT COUNT(*) FROM webhook_secrets WHERE secret IS NOT NULL OR verify_token IS NOT NULL"));
        Assert.Equal(0L, Count(cs, "SELECT COUNT(*) FROM events WHERE text IS NOT NULL"));
        using var anonAgain = server.Client(null);
        handshake = await anonAgain.GetAsync($"/webhooks/whatsapp/{token}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=8813");
        Assert.Equal((HttpStatusCode.OK, "8813"), (handshake.StatusCode, await handshake.Content.ReadAsStringAsync()));
        client = server.Client(client.DefaultRequestHeaders.GetValues("X-API-Key").Single());
        Assert.Equal(InboundBody, (await Kit.GetData(client, "/api/v1/items/pg-in-1"))["events"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rotating_the_master_key_on_postgres_keeps_sealed_values_readable_after_a_restart_and_retires_the_old_key()
    {
        var settings = TestStores.Settings(TestStores.Postgres, "rotate");
        string cs = settings["Herald:Store:ConnectionString"]!;
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        await using var server = await HeraldServer.StartAsync(settings);
        string keyFile = Path.Combine(server.DataDir, "keys", "master.key");
        string oldKey = (await File.ReadAllTextAsync(keyFile)).Trim();
        var created = await server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = $"pgrot-{Guid.NewGuid():n}"[..20] });
        var team = await HeraldServer.ReadData(created);
        string teamId = team["id"]!.GetValue<string>(), token = team["webhook_token"]!.GetValue<string>();
        string key = await server.CreateKeyAsync(teamId, ["events:write", "metrics:read"]);
        var put = await server.Client(key).PutAsJsonAsync($"/api/v1/teams/{teamId}/webhooks/whatsapp", new { secret = Secret, verify_token = VerifyToken });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        await Kit.Ingest(server.Client(key), new List<object> { Inbound("pg-rot-1", InboundBody) });
        string oldMasterId = (string)Scalar(cs, "SELECT DISTINCT master_key_id FROM data_keys")!;

        // While the server runs.
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, environment, "keys", "rotate-master");
        Assert.True(code == 0, stderr);
        Assert.Contains("re-wrapped 2 data keys", stdout);
        Assert.NotEqual(oldKey, (await File.ReadAllTextAsync(keyFile)).Trim());
        Assert.False(File.Exists(keyFile + ".next"));
        string newMasterId = (string)Scalar(cs, "SELECT DISTINCT master_key_id FROM data_keys")!;
        Assert.NotEqual(oldMasterId, newMasterId);
        Assert.Contains(newMasterId, stdout);

        // The next start opens the data keys with the new key, and every sealed value reads as before.
        await server.RestartAsync();
        using (var anon = server.Client(null))
        {
            var handshake = await anon.GetAsync($"/webhooks/whatsapp/{token}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=9921");
            Assert.Equal((HttpStatusCode.OK, "9921"), (handshake.StatusCode, await handshake.Content.ReadAsStringAsync()));
        }
        Assert.Equal(InboundBody, (await Kit.GetData(server.Client(key), "/api/v1/items/pg-rot-1"))["events"]![0]!["text"]!.GetValue<string>());
        await server.StopAsync();

        // The old key opens nothing any more.
        var (failed, _, error) = await HeraldCli.RunSplitAsync(server.DataDir,
            new Dictionary<string, string>(environment) { ["HERALD_MASTER_KEY"] = oldKey }, "serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, failed);
        Assert.Contains("is not the one the data keys are wrapped under", error);
    }

    private static object? Scalar(string cs, string sql)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return cmd.ExecuteScalar();
    }
}
