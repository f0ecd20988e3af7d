using System.Runtime.InteropServices;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A row's columns read by calling SQLite's library straight, for reads of millions of rows (exports): SQLitePCL's calls
/// take the statement as a SafeHandle (its count up and down) and leave .NET fully each time, which costs more than reading
/// the column. These functions only read the current row in memory, so they are called without the GC transition. Used
/// only when SQLitePCL runs the bundled e_sqlite3, whose functions these are (<see cref="Available"/>).
/// </summary>
internal static class NativeColumns
{
    private const string Library = "e_sqlite3";

    public static readonly bool Available = Probe();

    private static bool Probe()
    {
        try
        {
            return raw.GetNativeLibraryName() == Library && LibVersionNumber() == raw.sqlite3_libversion_number();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport(Library, EntryPoint = "sqlite3_libversion_number")]
    private static extern int LibVersionNumber();

    [DllImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    public static extern long Int64(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_int"), SuppressGCTransition]
    public static extern int Int32(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_double"), SuppressGCTransition]
    public static extern double Double(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    public static extern int Type(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_blob"), SuppressGCTransition]
    public static extern IntPtr Blob(IntPtr statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    public static extern int Bytes(IntPtr statement, int column);
}
