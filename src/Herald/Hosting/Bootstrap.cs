using Herald.Api.Auth;
using Herald.Storage;

namespace Herald.Hosting;

/// <summary>On first start with no admin key: make one (HERALD_ADMIN_KEY's value when set) and print it once.</summary>
public static class Bootstrap
{
    public static string? EnsureAdminKey(IDirectoryStore store, ApiKeyService keys, HeraldOptions options, ILogger logger)
    {
        if (store.AnyAdminKey()) return null;
        var created = keys.Create(null, "bootstrap admin", [Scopes.Admin], null, null, null, options.AdminKey);
        if (options.AdminKey is null)
        {
            Console.WriteLine();
            Console.WriteLine("  Herald bootstrap admin key (shown once, store it now):");
            Console.WriteLine($"  {created.Key}");
            Console.WriteLine();
        }
        logger.LogInformation("created the bootstrap admin key {KeyId}", created.Record.PublicId);
        return created.Key;
    }
}
