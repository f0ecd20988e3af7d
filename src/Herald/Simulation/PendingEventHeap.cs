using Herald.Domain;

namespace Herald.Simulation;

/// <summary>One future event of an in-flight item, or a duplicate waiting to be re-sent.</summary>
internal struct PendingEvent
{
    /// <summary>When the event is emitted (simulated or wall-clock Unix ms); occurred_at is never later.</summary>
    public long EmitAt;
    /// <summary>Push order: breaks ties so the emission order is deterministic.</summary>
    public long Seq;
    public SimItem Item;
    public LifecycleStep Step;
    /// <summary>Set for a duplicate: the exact event to send again.</summary>
    public IncomingEvent? Duplicate;
}

/// <summary>One status change planned for an item.</summary>
internal struct LifecycleStep
{
    public long At;
    public Status Status;
    /// <summary>0 = no attempt number.</summary>
    public byte Attempt;
    /// <summary>The application's own first event: carries every dimension, campaign included.</summary>
    public bool App;
    public ErrorInfo? Error;
    /// <summary>NaN = no cost.</summary>
    public double Cost;
    public string? Metadata;
    public string? Text;
}

/// <summary>An item in flight: its dimensions, shared by all its pending events.</summary>
internal sealed class SimItem
{
    public required string TeamName;
    public required string ItemId;
    public ItemKind Kind;
    public string? Account;
    public string? Channel;
    public string? Provider;
    public string? Route;
    public string? Campaign;
    public string? Recipient;
    /// <summary>Null when the item leaves the country to be derived from the recipient.</summary>
    public string? Country;
    public string? Direction;
}

/// <summary>
/// Min-heap of pending events ordered by (EmitAt, Seq); holds only in-flight work. The heap itself moves
/// small keys; the (larger) events stay put in a slab whose free slots are reused.
/// </summary>
internal sealed class PendingEventHeap
{
    private struct Key
    {
        public long EmitAt;
        public long Seq;
        public int Slot;
    }

    private Key[] _keys = new Key[1024];
    private PendingEvent[] _slab = new PendingEvent[1024];
    private int[] _free = new int[1024];
    private int _freeCount;
    private int _slabUsed;
    private int _count;

    public int Count => _count;

    public long PeekEmitAt => _keys[0].EmitAt;

    public void Push(in PendingEvent value)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_slabUsed == _slab.Length) Array.Resize(ref _slab, _slab.Length * 2);
            slot = _slabUsed++;
        }
        _slab[slot] = value;

        if (_count == _keys.Length) Array.Resize(ref _keys, _keys.Length * 2);
        var key = new Key { EmitAt = value.EmitAt, Seq = value.Seq, Slot = slot };
        var keys = _keys;
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(in key, in keys[parent])) break;
            keys[i] = keys[parent];
            i = parent;
        }
        keys[i] = key;
    }

    public PendingEvent Pop()
    {
        var keys = _keys;
        int slot = keys[0].Slot;
        int last = --_count;
        if (last > 0)
        {
            var moving = keys[last];
            int i = 0;
            while (true)
            {
                int child = (i << 1) + 1;
                if (child >= last) break;
                if (child + 1 < last && Less(in keys[child + 1], in keys[child])) child++;
                if (!Less(in keys[child], in moving)) break;
                keys[i] = keys[child];
                i = child;
            }
            keys[i] = moving;
        }

        var top = _slab[slot];
        _slab[slot] = default; // release references for the GC
        if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = slot;
        return top;
    }

    private static bool Less(in Key a, in Key b) =>
        a.EmitAt < b.EmitAt || (a.EmitAt == b.EmitAt && a.Seq < b.Seq);
}
