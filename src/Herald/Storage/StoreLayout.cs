namespace Herald.Storage;

/// <summary>One table or index of the store and the pages its b-tree holds (interior and leaf; overflow pages are not attributed).</summary>
public sealed record StoredObject(string Name, string Type, string Table, long Pages, long Bytes);

/// <summary>How the store's file is laid out: its pages, the free ones, and each table's and index's share.</summary>
public sealed record StoreLayout(
    long PageSize, long PageCount, long FreePages, long WalBytes, IReadOnlyList<StoredObject> Objects, long UnattributedPages);

/// <summary>The store's file layout, for database performance figures.</summary>
public interface IStoreLayoutReader
{
    StoreLayout ReadLayout();
}
