using Herald.Storage.Sqlite;
using Herald.Engine;

namespace Herald.Tests.Support;

/// <summary>A migrated SQLite store in a folder of its own with one team, for tests that drive the engine in process; deleted on dispose.</summary>
public sealed class TempStore : IDisposable
{
    public TempStore(string name)
    {
        Dir = Path.Combine(Path.GetTempPath(), "herald-tests", name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        Store = new SqliteStore(Path.Combine(Dir, "herald.db"));
        Store.MigrateUp();
        TeamId = Store.CreateTeam(name, "tm_" + name, "wh_" + name, 0).Id;
        Registry.Load(Store);
    }

    public string Dir { get; }
    public SqliteStore Store { get; }
    public int TeamId { get; }
    public DimensionRegistry Registry { get; } = new();

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
