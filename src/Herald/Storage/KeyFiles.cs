namespace Herald.Storage;

/// <summary>Server secrets kept as files of the data directory: made once, readable by the owner only (mode 0600).</summary>
public static class KeyFiles
{
    /// <summary>The file's bytes, writing <paramref name="create"/>'s first when there is no file yet.</summary>
    public static byte[] ReadOrCreate(string path, Func<byte[]> create)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var fresh = create();
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try
            {
                using var file = new FileStream(path, options);
                file.Write(fresh);
                file.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }
        return File.ReadAllBytes(path);
    }
}
