namespace Herald.Utilization;

/// <summary>The <c>Herald:Utilization</c> section: how the process's utilization is sampled and kept for the system report.</summary>
public sealed class UtilizationOptions
{
    /// <summary>Sample (and store one row) this often.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Samples older than this are deleted (checked hourly). A system report covers only what is kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>The network interfaces whose bytes count (comma-separated names from /proc/net/dev); default every one but lo.</summary>
    public string? NetworkInterfaces { get; set; }

    /// <summary>Off: nothing is sampled or stored (the system report then has no rows).</summary>
    public bool Enabled { get; set; } = true;

    public void Validate()
    {
        if (SampleInterval < TimeSpan.FromSeconds(1) || SampleInterval > TimeSpan.FromHours(1))
            throw new InvalidOperationException($"Herald:Utilization:SampleInterval must be from 00:00:01 to 01:00:00, not {SampleInterval}");
        if (Retention < TimeSpan.FromDays(1))
            throw new InvalidOperationException($"Herald:Utilization:Retention must be at least a day, not {Retention}");
    }

    /// <summary>The chosen interface names, or null for every one but the loopback.</summary>
    public IReadOnlySet<string>? Interfaces =>
        string.IsNullOrWhiteSpace(NetworkInterfaces)
            ? null
            : NetworkInterfaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
}
