namespace Herald.Recordings;

/// <summary>Where recordings' audio is kept, by key. Files under the data directory by default; an S3-compatible store plugs in here.</summary>
public interface IAudioStore
{
    /// <summary>Stores the audio under the key (replacing any), durably; answers its size in bytes.</summary>
    Task<long> PutAsync(string key, Stream audio, CancellationToken ct);

    /// <summary>The audio under the key as a seekable stream (so HTTP ranges can be served), or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Deletes the audio under the key; nothing happens when there is none.</summary>
    Task DeleteAsync(string key, CancellationToken ct);
}

/// <summary>Audio keys are Herald's own (<c>recordings/{team}/{id}.wav</c>); every store refuses anything else.</summary>
public static class AudioKeys
{
    /// <summary>The key, when it is one: no <c>..</c>, not rooted, only letters, digits, <c>/ _ - .</c>; else <see cref="ArgumentException"/>.</summary>
    public static string Check(string key)
    {
        if (key.Length == 0 || key.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(key) || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '.')))
            throw new ArgumentException($"not an audio key: {key}", nameof(key));
        return key;
    }
}

/// <summary>Audio as files under <c>{data dir}/recordings</c>; a file appears whole (written aside, flushed, then renamed).</summary>
public sealed class FileAudioStore(string root) : IAudioStore
{
    /// <inheritdoc/>
    public async Task<long> PutAsync(string key, Stream audio, CancellationToken ct)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".part";
        long size;
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await audio.CopyToAsync(file, ct);
            size = file.Length;
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return size;
    }

    /// <inheritdoc/>
    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        string path = PathOf(key);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous) : null);
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    // Refusing keys that are not Herald's own keeps a key from naming a file outside the root.
    private string PathOf(string key) => Path.Combine(root, AudioKeys.Check(key).Replace('/', Path.DirectorySeparatorChar));
}
