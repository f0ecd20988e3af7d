using System.Threading.Channels;

namespace Herald.Engine;

/// <summary>
/// A single writer's wait for work that runs an idle duty once a period while nothing comes (a flush, a mark to store).
/// One timer serves every wait until it fires: a new timer per wait would leave thousands pending while the writer is busy,
/// each firing later for nobody.
/// </summary>
public sealed class IdleWait(TimeSpan period)
{
    private Task? _tick;

    /// <summary>
    /// Waits until <paramref name="reader"/> has an item (true) or is completed (false), running <paramref name="idle"/>
    /// whenever a period passes with nothing to read.
    /// </summary>
    public async ValueTask<bool> WaitToReadAsync<T>(ChannelReader<T> reader, Action idle)
    {
        var next = reader.WaitToReadAsync();
        if (next.IsCompletedSuccessfully) return next.Result;
        var waiting = next.AsTask();
        while (!waiting.IsCompleted)
        {
            _tick ??= Task.Delay(period);
            await Task.WhenAny(waiting, _tick).ConfigureAwait(false);
            if (!_tick.IsCompleted) continue;
            _tick = null;
            if (!waiting.IsCompleted) idle();
        }
        return await waiting.ConfigureAwait(false);
    }
}
