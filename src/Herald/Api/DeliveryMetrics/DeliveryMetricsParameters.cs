namespace Herald.Api.DeliveryMetrics;

/// <summary>Seed 000's query parameters with their ranges: <c>timeRange</c> 1-168 hours, <c>days</c> 1-30, <c>limit</c> 1-100.</summary>
public static class DeliveryMetricsParameters
{
    public static int TimeRange(IQueryCollection query) => QueryParameters.Int(query, "timeRange", 1, 168, 24);
    public static int Days(IQueryCollection query) => QueryParameters.Int(query, "days", 1, 30, 7);
    public static int Limit(IQueryCollection query) => QueryParameters.Int(query, "limit", 1, 100, 20);

    public static void Only(IQueryCollection query, params string[] allowed) => QueryParameters.Only(query, allowed);
}
