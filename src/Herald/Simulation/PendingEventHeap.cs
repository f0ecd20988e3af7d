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

/// <summary>Binary min-heap of pending events ordered by (EmitAt, Seq); holds only in-flight work.</summary>
internal sealed class PendingEventHeap
{
    private PendingEvent[] _items = new PendingEvent[1024];
    private int _count;

    public int Count => _count;

    public long PeekEmitAt => _items[0].EmitAt;

    public void Push(in PendingEvent value)
    {
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        int i = _count++;
        var items = _items;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(in value, in items[parent])) break;
            items[i] = items[parent];
            i = parent;
        }
        items[i] = value;
    }

    public PendingEvent Pop()
    {
        var items = _items;
        var top = items[0];
        int last = --_count;
        if (last > 0)
        {
            var moving = items[last];
            int i = 0;
            while (true)
            {
                int child = (i << 1) + 1;
                if (child >= last) break;
                if (child + 1 < last && Less(in items[child + 1], in items[child])) child++;
                if (!Less(in items[child], in moving)) break;
                items[i] = items[child];
                i = child;
            }
            items[i] = moving;
        }
        items[last] = default;
        return top;
    }

    private static bool Less(in PendingEvent a, in PendingEvent b) =>
        a.EmitAt < b.EmitAt || (a.EmitAt == b.EmitAt && a.Seq < b.Seq);
}
