using System.CommandLine;
using System.Globalization;
using Herald.Api.Auth;
using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Encryption;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Spectre.Console;
using Herald.Tenancy;

namespace Herald.Cli;

/// <summary><c>herald keys create|list|revoke</c>, straight on the store.</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke API keys");
        command.Subcommands.Add(CreateKey());
        command.Subcommands.Add(ListKeys());
        command.Subcommands.Add(RevokeKey());
        command.Subcommands.Add(RotateMaster());
        return command;
    }

    private static Command CreateKey()
    {
        var team = new Option<string?>("--team") { Description = "Team id or name (omit for an admin key)" };
        var name = new Option<string>("--name") { Description = "What the key is for", DefaultValueFactory = _ => "cli key" };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated: " + string.Join(", ", Scopes.All), DefaultValueFactory = _ => "events:write,metrics:read" };
        var rateLimit = new Option<string?>("--rate-limit") { Description = "Requests per period, e.g. 100/60s or 1000/15m (default: 1000/15m, none for events:write keys)" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "Expiry, RFC 3339" };
        var allowedIps = new Option<string?>("--allowed-ips") { Description = "Addresses or CIDRs the key may be used from, comma-separated (default: anywhere)" };
        var create = new Command("create", "Create a key; it is printed once") { team, name, scopes, rateLimit, expires, allowedIps };
        create.SetAction(parse =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var teams = new TeamDirectory(store, TimeProvider.System);
            int? teamId = null;
            if (parse.GetValue(team) is { } t)
            {
                var found = teams.ByPublicIdOrName(t);
                if (found is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]no team '{t}'[/]");
                    return 2;
                }
                teamId = found.Id;
            }
            var scopeList = parse.GetValue(scopes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var s in scopeList)
            {
                if (Array.IndexOf(Scopes.All, s) < 0)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]unknown scope '{s}'[/]; one of {string.Join(", ", Scopes.All)}");
                    return 2;
                }
            }
            int? requests = null;
            long? period = null;
            if (parse.GetValue(rateLimit) is { } rl && !TryParseRateLimit(rl, out requests, out period))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--rate-limit must look like 100/60s or 1000/15m[/]");
                return 2;
            }
            IpAllowList? ips = null;
            if (parse.GetValue(allowedIps) is { } ipText
                && (ips = IpAllowList.Parse(ipText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), out var ipProblem)) is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--allowed-ips: {ipProblem}[/]");
                return 2;
            }
            var created = new ApiKeyService(store, TimeProvider.System).Create(teamId, parse.GetValue(name)!, scopeList, requests, period, parse.GetValue(expires),
                createdBy: "cli", allowedIps: ips);
            AuditCommand.Record(store, "create", "keys", created.Record.PublicId, teamId, 0, ["name", "scopes", "rate_limit", "expires_at"]);
            AnsiConsole.MarkupLineInterpolated($"created key [bold]{created.Record.PublicId}[/] (shown once):");
            Console.WriteLine(created.Key);
            return 0;
        });
        return create;
    }

    private static Command ListKeys()
    {
        var listTeam = new Option<string?>("--team") { Description = "Only this team's keys" };
        var list = new Command("list", "List keys (never the keys themselves)") { listTeam };
        list.SetAction(parse =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var teams = new TeamDirectory(store, TimeProvider.System);
            int? teamId = parse.GetValue(listTeam) is { } t ? teams.ByPublicIdOrName(t)?.Id ?? -1 : null;
            var table = new Table().AddColumns("id", "team", "name", "prefix", "scopes", "rate limit", "uses", "state");
            foreach (var k in store.ListKeys(teamId))
            {
                string state = k.RevokedAtMs is not null ? "[red]revoked[/]" : !k.IsActive ? "[yellow]inactive[/]" : k.ExpiresAtMs is { } e && e < DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() ? "[yellow]expired[/]" : "[green]active[/]";
                table.AddRow(k.PublicId, k.TeamId is { } id ? teams.PublicIdOf(id) : "(admin)", Markup.Escape(k.Name), k.Prefix + "…",
                    string.Join(' ', k.Scopes), k.RateLimitRequests is { } r ? $"{r}/{k.RateLimitPeriodMs / 1000}s" : "none",
                    k.UsageCount.ToString(CultureInfo.InvariantCulture), state);
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return list;
    }

    private static Command RevokeKey()
    {
        var id = new Argument<string>("id") { Description = "The key's id (key_...)" };
        var revoke = new Command("revoke", "Revoke a key") { id };
        revoke.SetAction(parse =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            bool ok = store.RevokeKey(parse.GetValue(id)!, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            AuditCommand.Record(store, "delete", "keys", parse.GetValue(id), null, ok ? 0 : 1);
            AnsiConsole.MarkupLine(ok ? "[green]revoked[/]" : "[red]no active key with that id[/]");
            return ok ? 0 : 1;
        });
        return revoke;
    }

    /// <summary>
    /// <c>herald keys rotate-master [--new-key-file FILE]</c>: re-wraps the data keys under a new master key in one
    /// transaction, on the configured store (SQLite or PostgreSQL). A running server keeps its unwrapped data keys in memory,
    /// so it goes on; it needs the new key at its next start. With the key file, the new key is written to
    /// <c>master.key.next</c> first and replaces <c>master.key</c> after the data keys are re-wrapped (a start in between
    /// takes it from there); with <c>HERALD_MASTER_KEY</c> the new key must come from <c>--new-key-file</c>, and the operator
    /// sets the variable to it before the next start. On PostgreSQL every node of the database needs the new key.
    /// </summary>
    private static Command RotateMaster()
    {
        var newKeyFile = new Option<string?>("--new-key-file") { Description = "A file holding the new master key (base64 of 32 bytes); default: a fresh random key" };
        var rotate = new Command("rotate-master", "Re-wrap the data keys under a new master key (the server may keep running)") { newKeyFile };
        rotate.SetAction(parse =>
        {
            var options = HeraldConfiguration.Options(HeraldConfiguration.Load());
            options.Store.Validate();
            bool fromEnvironment = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable) is { Length: > 0 };
            var keyFile = parse.GetValue(newKeyFile);
            if (fromEnvironment && keyFile is null)
            {
                Console.Error.WriteLine($"herald: {MasterKey.EnvironmentVariable} is set: give the new key with --new-key-file, then set the variable to it");
                return 2;
            }
            using ISchemaMigrations schema = options.Store.IsPostgres
                ? new PostgresStore(options.Store.ConnectionString!, options.DataDir)
                : new SqliteStore(options.DatabasePath);
            schema.MigrateUp();
            var sqlite = schema as SqliteStore;
            var keys = (IDataKeyStore)schema;
            try
            {
                // The current master key opens the data keys (or a cut-short rotation is finished), or this stops here.
                _ = FieldEncryption.Open(keys, options.DataDir, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                var current = fromEnvironment ? MasterKey.Load(options.DataDir) : MasterKey.FromFile(MasterKey.FilePath(options.DataDir));
                var pending = MasterKey.PendingFilePath(options.DataDir);
                byte[] content = keyFile is not null ? File.ReadAllBytes(keyFile) : MasterKey.NewKeyFileContent();
                if (!fromEnvironment)
                {
                    File.Delete(pending);
                    KeyFiles.ReadOrCreate(pending, () => content);
                }
                var next = fromEnvironment ? MasterKey.FromFile(keyFile!) : MasterKey.FromFile(pending);
                if (next.Id == current.Id)
                {
                    if (!fromEnvironment) File.Delete(pending);
                    Console.Error.WriteLine("herald: the new master key is the current one");
                    return 2;
                }
                var rewrapped = keys.ListDataKeys()
                    .Select(k => k with { Wrapped = FieldProtector.Wrap(next, k.Id, k.Purpose, FieldProtector.Unwrap(current, k)), MasterKeyId = next.Id })
                    .ToList();
                int count = keys.RewrapDataKeys(rewrapped, current.Id);
                if (!fromEnvironment) File.Move(pending, MasterKey.FilePath(options.DataDir), overwrite: true);
                // The audit trail is not on PostgreSQL yet.
                if (sqlite is not null) AuditCommand.Record(sqlite, "rotate", "master_key", next.Id, null, 0, ["master_key_id"]);
                AnsiConsole.MarkupLineInterpolated($"[green]re-wrapped {count} data keys[/] under master key {next.Id} (was {current.Id})");
                if (fromEnvironment) AnsiConsole.MarkupLineInterpolated($"set {MasterKey.EnvironmentVariable} to the new key before the server's next start");
                else if (options.Store.IsPostgres) AnsiConsole.MarkupLineInterpolated($"copy {MasterKey.FilePath(options.DataDir)} to every other node before its next start");
                return 0;
            }
            catch (FieldEncryptionException e)
            {
                Console.Error.WriteLine("herald: " + e.Message);
                return 2;
            }
        });
        return rotate;
    }

    /// <summary>Parses "100/60s", "1000/15m", "5000/1h" into requests and a period in ms.</summary>
    public static bool TryParseRateLimit(string text, out int? requests, out long? periodMs)
    {
        requests = null;
        periodMs = null;
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1) return false;
        var p = parts[1];
        if (p.Length < 2 || !long.TryParse(p[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v < 1) return false;
        long unit = p[^1] switch { 's' => 1000, 'm' => 60_000, 'h' => 3_600_000, _ => 0 };
        if (unit == 0) return false;
        requests = n;
        periodMs = v * unit;
        return true;
    }
}
