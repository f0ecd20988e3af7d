using System.Reflection;
using System.Text.RegularExpressions;

namespace Herald.Storage.Postgres;

/// <summary>A feature whose storage is not ported to PostgreSQL yet was asked for; the API answers it 501 not_available_on_postgres.</summary>
public sealed class NotAvailableOnPostgresException(string feature)
    : Exception($"{feature} is not available on PostgreSQL yet (Herald:Store:Provider=postgres); see docs/DEPLOYMENT.md for what is")
{
    /// <summary>The feature, named after the store interface it needs (<c>IAlertStore</c> is "alert").</summary>
    public string Feature { get; } = feature;

    /// <summary>"IReportScheduleStore" → "report schedule".</summary>
    public static string FeatureOf(Type storeInterface)
    {
        string name = storeInterface.Name.StartsWith('I') ? storeInterface.Name[1..] : storeInterface.Name;
        name = Regex.Replace(name, "(Store|Reader)$", "");
        return Regex.Replace(name, "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();
    }
}

/// <summary>
/// Stands in for a store interface that has no PostgreSQL implementation yet: every call throws
/// <see cref="NotAvailableOnPostgresException"/>, so a route that needs the feature answers a clear 501 instead of a 500
/// or an answer read from nowhere.
/// </summary>
public class UnportedStore : DispatchProxy
{
    private string _feature = "";

    /// <summary>An object implementing <paramref name="storeInterface"/> whose every member throws.</summary>
    public static object For(Type storeInterface)
    {
        var proxy = (UnportedStore)Create(storeInterface, typeof(UnportedStore));
        proxy._feature = NotAvailableOnPostgresException.FeatureOf(storeInterface);
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new NotAvailableOnPostgresException(_feature);
}
