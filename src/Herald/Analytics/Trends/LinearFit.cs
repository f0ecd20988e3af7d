namespace Herald.Analytics.Trends;

/// <summary>The least-squares line through points: its slope, and its value at any x.</summary>
public readonly record struct LinearFit(double Slope, double Intercept)
{
    public double At(double x) => Intercept + Slope * x;

    /// <summary>The line through the points; null for fewer than two distinct x.</summary>
    public static LinearFit? Of(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        if (n < 2 || y.Length != n) return null;
        double xMean = 0, yMean = 0;
        for (int i = 0; i < n; i++)
        {
            xMean += x[i];
            yMean += y[i];
        }
        xMean /= n;
        yMean /= n;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            sxy += (x[i] - xMean) * (y[i] - yMean);
            sxx += (x[i] - xMean) * (x[i] - xMean);
        }
        if (sxx == 0) return null;
        double slope = sxy / sxx;
        return new LinearFit(slope, yMean - slope * xMean);
    }
}
