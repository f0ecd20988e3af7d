namespace Herald.Storage;

/// <summary>
/// Makes one process the engine writer of a data directory. Two writers on one store would each replay and fold
/// the other's events, counting them twice, so the second is refused with the first one's process id.
/// The lock is an OS file lock: a killed process drops it with its last file handle.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "herald.lock";
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        string path = Path.Combine(dataDir, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder = "another process";
            try
            {
                // The locked file itself cannot be read here (the OS lock covers reads too): its holder left its id beside it.
                var pid = File.ReadAllText(path + ".pid").Trim();
                if (pid.Length > 0) holder = $"process {pid}";
            }
            catch (IOException)
            {
            }
            throw new DataDirectoryInUseException(
                $"{Path.GetFullPath(dataDir)} is in use by {holder} (a Herald server or a direct simulation); stop it first, or use another HERALD_DATA_DIR");
        }
        File.WriteAllText(path + ".pid", Environment.ProcessId + "\n");
        return new DataDirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();
}

public sealed class DataDirectoryInUseException(string message) : Exception(message);
