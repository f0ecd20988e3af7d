using System.Buffers.Binary;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The file's layout without SQLite's dbstat table (the bundled library is built without it): the schema names every
/// b-tree's root page, and each tree is walked through its interior pages only, read from the file after a passive
/// checkpoint (file format: https://www.sqlite.org/fileformat2.html#b_tree_pages). The children of the lowest interior
/// pages are the leaves, so they are counted, not read. Pages a large value overflows into are not in any tree's count:
/// they are the <see cref="StoreLayout.UnattributedPages"/> (with pointer-map and lock-byte pages).
/// </summary>
public sealed partial class SqliteStore : IStoreLayoutReader
{
    private const byte InteriorIndex = 2, InteriorTable = 5, LeafIndex = 10, LeafTable = 13;

    public StoreLayout ReadLayout()
    {
        long pageSize, pageCount, freePages;
        var roots = new List<(string Name, string Type, string Table, long Root)>();
        using (var c = Open())
        {
            SqliteStore.Execute(c, null, SqliteSql.PassiveCheckpoint);
            using var cmd = Command(c, SqliteSql.SelectPageCounts);
            using (var r = cmd.ExecuteReader())
            {
                r.Read();
                (pageSize, pageCount, freePages) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
            }
            using var schema = Command(c, SqliteSql.SelectBTreeRoots);
            using var s = schema.ExecuteReader();
            while (s.Read()) roots.Add((s.GetString(0), s.GetString(1), s.GetString(2), s.GetInt64(3)));
        }
        var objects = new List<StoredObject>();
        long attributed = 0;
        using (var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.RandomAccess))
        {
            var page = new byte[pageSize];
            foreach (var (name, type, table, root) in roots)
            {
                long pages = CountTreePages(file, page, root, pageCount);
                attributed += pages;
                objects.Add(new StoredObject(name, type, table, pages, pages * pageSize));
            }
        }
        objects.Sort((a, b) => b.Pages != a.Pages ? b.Pages.CompareTo(a.Pages) : string.CompareOrdinal(a.Name, b.Name));
        var (_, wal) = FileSizes();
        return new StoreLayout(pageSize, pageCount, freePages, wal, objects, Math.Max(0, pageCount - freePages - attributed));
    }

    /// <summary>Pages of the b-tree rooted at <paramref name="root"/>; a page number out of the file or seen twice ends that branch.</summary>
    private static long CountTreePages(FileStream file, byte[] page, long root, long pageCount)
    {
        long pages = 0;
        var seen = new HashSet<long>();
        var interior = new Stack<long>();
        interior.Push(root);
        var children = new List<long>();
        while (interior.Count > 0)
        {
            long number = interior.Pop();
            if (number < 1 || number > pageCount || !seen.Add(number)) continue;
            pages++;
            if (!ReadPage(file, page, number)) continue;
            int header = number == 1 ? 100 : 0; // page 1 starts with the file header
            byte type = page[header];
            if (type is LeafIndex or LeafTable || type is not (InteriorIndex or InteriorTable)) continue;
            int cells = BinaryPrimitives.ReadUInt16BigEndian(page.AsSpan(header + 3));
            children.Clear();
            for (int i = 0; i < cells; i++)
            {
                int offset = BinaryPrimitives.ReadUInt16BigEndian(page.AsSpan(header + 12 + 2 * i));
                if (offset + 4 <= page.Length) children.Add(BinaryPrimitives.ReadUInt32BigEndian(page.AsSpan(offset)));
            }
            children.Add(BinaryPrimitives.ReadUInt32BigEndian(page.AsSpan(header + 8)));
            // Whether the children are leaves: read the first one; siblings are all at the same depth.
            if (children.Count > 0 && ReadPage(file, page, children[0]) && page[children[0] == 1 ? 100 : 0] is LeafIndex or LeafTable)
            {
                foreach (long child in children)
                    if (child >= 1 && child <= pageCount && seen.Add(child)) pages++;
            }
            else
            {
                foreach (long child in children) interior.Push(child);
            }
        }
        return pages;
    }

    private static bool ReadPage(FileStream file, byte[] page, long number)
    {
        long offset = (number - 1) * page.Length;
        if (offset + page.Length > file.Length) return false;
        file.Position = offset;
        file.ReadExactly(page);
        return true;
    }
}
