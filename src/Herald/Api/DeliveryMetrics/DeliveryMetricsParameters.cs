using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Parameters;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.DeliveryMetrics;

/// <summary>Seed 000's window: the last <c>timeRange</c> hours, 1-168.</summary>
public sealed class TimeRangeParameters : OneTeamParameters
{
    [FromQuery(Name = "timeRange"), Description("The window: the last this many hours. Default: 24.")]
    [Range(1, 168)]
    public int? TimeRange { get; init; }

    public int Hours => TimeRange ?? 24;
}

/// <summary>Seed 000's trend: the last <c>days</c> days, 1-30.</summary>
public sealed class TrendDaysParameters : OneTeamParameters
{
    [FromQuery(Name = "days"), Description("The last this many days, one row each. Default: 7.")]
    [Range(1, 30)]
    public int? Days { get; init; }

    public int DayCount => Days ?? 7;
}

/// <summary>Seed 000's user diagnostics: the latest <c>limit</c> codes and attempts, 1-100.</summary>
public sealed class UserDiagnosticsParameters : OneTeamParameters
{
    [FromQuery(Name = "limit"), Description("At most this many codes and attempts, newest first. Default: 20.")]
    [Range(1, 100)]
    public int? Limit { get; init; }

    public int Count => Limit ?? 20;
}
