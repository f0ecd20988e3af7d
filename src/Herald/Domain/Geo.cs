namespace Herald.Domain;

/// <summary>A longitude/latitude pair in degrees (WGS 84), as GeoJSON orders them.</summary>
public readonly record struct GeoPoint(double Longitude, double Latitude)
{
    /// <summary>Why a pair is not a position on Earth, naming the coordinate; null when it is one.</summary>
    public static string? Problem(double longitude, double latitude) =>
        !double.IsFinite(longitude) || longitude < -180 || longitude > 180 ? "longitude must be from -180 to 180"
        : !double.IsFinite(latitude) || latitude < -90 || latitude > 90 ? "latitude must be from -90 to 90"
        : null;
}

/// <summary>A longitude/latitude box in degrees that does not cross the antimeridian.</summary>
public readonly record struct GeoBox(double MinLongitude, double MaxLongitude, double MinLatitude, double MaxLatitude)
{
    public bool Contains(GeoPoint p) =>
        p.Longitude >= MinLongitude && p.Longitude <= MaxLongitude && p.Latitude >= MinLatitude && p.Latitude <= MaxLatitude;
}

public static class Geo
{
    /// <summary>The mean Earth radius of the haversine distance.</summary>
    public const double EarthRadiusKm = 6371.0088;
    /// <summary>Half the Earth's circumference: no two points are farther apart.</summary>
    public const double MaxDistanceKm = Math.PI * EarthRadiusKm;

    /// <summary>Great-circle distance in kilometres.</summary>
    public static double DistanceKm(GeoPoint a, GeoPoint b)
    {
        double lat1 = Radians(a.Latitude), lat2 = Radians(b.Latitude);
        double dLat = lat2 - lat1, dLon = Radians(b.Longitude - a.Longitude);
        double h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(lat1) * Math.Cos(lat2) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>
    /// Boxes that together hold every point within <paramref name="radiusKm"/> of <paramref name="center"/>: one box, or two
    /// where the circle crosses the antimeridian, or a band of every longitude where it reaches a pole.
    /// </summary>
    public static IReadOnlyList<GeoBox> BoxesAround(GeoPoint center, double radiusKm)
    {
        double dLat = Degrees(radiusKm / EarthRadiusKm);
        double minLat = center.Latitude - dLat, maxLat = center.Latitude + dLat;
        if (minLat <= -90 || maxLat >= 90 || radiusKm >= MaxDistanceKm)
            return [new GeoBox(-180, 180, Math.Max(-90, minLat), Math.Min(90, maxLat))];
        // The widest longitude span of the circle, at the latitude where it touches its bounding meridians.
        double dLon = Degrees(Math.Asin(Math.Min(1, Math.Sin(radiusKm / EarthRadiusKm) / Math.Cos(Radians(center.Latitude)))));
        double minLon = center.Longitude - dLon, maxLon = center.Longitude + dLon;
        if (minLon < -180) return [new GeoBox(minLon + 360, 180, minLat, maxLat), new GeoBox(-180, maxLon, minLat, maxLat)];
        if (maxLon > 180) return [new GeoBox(minLon, 180, minLat, maxLat), new GeoBox(-180, maxLon - 360, minLat, maxLat)];
        return [new GeoBox(minLon, maxLon, minLat, maxLat)];
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}
