namespace Herald.Senders;

/// <summary>Resolves an <see cref="IMessageSender"/> by its <see cref="IMessageSender.Kind"/> (case-insensitive). A singleton in DI.</summary>
public sealed class SenderRegistry
{
    private readonly Dictionary<string, IMessageSender> _senders = new(StringComparer.OrdinalIgnoreCase);

    public SenderRegistry(IEnumerable<IMessageSender> senders)
    {
        foreach (var sender in senders)
        {
            if (!_senders.TryAdd(sender.Kind, sender))
                throw new InvalidOperationException($"Two message senders share the kind '{sender.Kind}'.");
        }
    }

    /// <summary>The registered kinds, sorted.</summary>
    public IEnumerable<string> Kinds => _senders.Keys.Order(StringComparer.Ordinal);

    /// <summary>The sender of this kind; an unknown kind is a programmer or configuration error and throws <see cref="KeyNotFoundException"/>.</summary>
    public IMessageSender Get(string kind) =>
        TryGet(kind, out var sender)
            ? sender
            : throw new KeyNotFoundException($"No message sender of kind '{kind}'; known kinds: {string.Join(", ", Kinds)}.");

    public bool TryGet(string kind, out IMessageSender sender)
    {
        if (kind is not null && _senders.TryGetValue(kind, out var found))
        {
            sender = found;
            return true;
        }
        sender = null!;
        return false;
    }
}
