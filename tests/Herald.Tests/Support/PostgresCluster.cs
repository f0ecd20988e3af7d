using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Herald.Tests.Support;

/// <summary>
/// The PostgreSQL server the provider tests run against: the one <c>HERALD_TEST_POSTGRES</c> names (a connection string
/// of a user that may create databases), or else a throw-away cluster started once per test run (initdb in a temporary
/// folder, as the <c>postgres</c> OS user when the tests run as root, on a free loopback port) and stopped when the run
/// ends. Each test class takes a fresh database of its own.
/// </summary>
public sealed class PostgresCluster
{
    public const string Variable = "HERALD_TEST_POSTGRES";
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly Lazy<PostgresCluster> SharedCluster = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string _adminConnectionString;
    private readonly string? _dataDirectory;

    private PostgresCluster(string adminConnectionString, string? dataDirectory)
    {
        _adminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
    }

    public static PostgresCluster Shared => SharedCluster.Value;

    /// <summary>A new empty database; its connection string.</summary>
    public string CreateDatabase(string purpose)
    {
        string name = "herald_" + new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30).ToArray()) + "_" + Guid.NewGuid().ToString("n")[..10];
        using (var c = new NpgsqlConnection(_adminConnectionString))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", c);
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    private static PostgresCluster Start()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given) return new PostgresCluster(given, null);
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb): `apt-get install postgresql-15` (.ci/run does), or set {Variable}");
        RemoveLeftovers();
        string dir = Path.Combine(Path.GetTempPath(), "herald-pg-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(dir);
        bool asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", "postgres:postgres", dir);
        string data = Path.Combine(dir, "data");
        RunAsOwner(asRoot, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync");
        int port = FreePort();
        // Throw-away data: no fsync (the tests kill Herald, never the server); sockets in the cluster's own folder.
        RunAsOwner(asRoot, "pg_ctl", "-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o",
            $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunAsOwner(asRoot, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop");
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // The run is over either way; a leftover folder in /tmp is all that is lost.
            }
        };
        return new PostgresCluster($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", data);
    }

    /// <summary>
    /// Clusters of earlier runs whose folder outlived them (the test host may end before its exit handler deleted it): an
    /// hour old and no server running in them.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var old in Directory.EnumerateDirectories(Path.GetTempPath(), "herald-pg-*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(old) < DateTime.UtcNow.AddHours(-1) && !File.Exists(Path.Combine(old, "data", "postmaster.pid")))
                    Directory.Delete(old, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run's, or already going: left as it is.
            }
        }
    }

    /// <summary>The cluster's data folder (null when HERALD_TEST_POSTGRES names the server).</summary>
    public string? DataDirectory => _dataDirectory;

    private static void RunAsOwner(bool asRoot, string tool, params string[] args)
    {
        string path = Path.Combine(BinDirectory, tool);
        if (asRoot) Run("runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(path, args);
    }

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {error.Result}{output.Result}");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
