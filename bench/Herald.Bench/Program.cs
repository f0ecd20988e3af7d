using Herald.Bench;

// dotnet run -c Release --project bench/Herald.Bench -- <ingest|http|archive|query|snapshots|forecast|endpoints|failures|dashboard|phone|deliveries|deliveries-http|writer-scale|store-timings|items|reports|insights|recordings|soak|wer|postgres|all> [--events N] [--minutes M --rate EVENTS_PER_S] [--dashboard-events N] [--dir PATH] [--teams N --items-per-team N] [--reuse-store 1] [--recipients hashed]
var options = BenchOptions.Parse(args);
var report = new Report();
switch (options.Command)
{
    case "ingest":
        IngestBench.Run(options, report);
        break;
    case "query":
        QueryBench.Run(options, report);
        break;
    case "snapshots":
        SnapshotBench.Run(options, report);
        break;
    case "http":
        await HttpBench.RunAsync(options, report);
        break;
    case "archive":
        await ArchiveBench.RunAsync(options, report);
        break;
    case "endpoints":
        await EndpointsBench.RunAsync(options, report);
        break;
    case "compliance":
        ComplianceBench.Run(options, report);
        break;
    case "forecast":
        ForecastBench.Run(options, report);
        break;
    case "dashboard":
        await DashboardBench.RunAsync(options, report);
        break;
    case "failures":
        FailuresBench.Run(options, report);
        break;
    case "phone":
        PhoneBench.Run(options, report);
        break;
    case "store-timings":
        StoreTimingsBench.Run(options, report);
        break;
    case "deliveries":
        await DeliveryBench.RunAsync(options, report);
        break;
    case "deliveries-http":
        await DeliveryBench.HttpOnlyAsync(options, report);
        break;
    case "writer-scale":
        WriterScaleBench.Run(options, report);
        break;
    case "items":
        await ItemsBench.RunAsync(options, report);
        break;
    case "reports":
        await ReportsBench.RunAsync(options, report);
        break;
    case "insights":
        InsightsBench.Run(options, report);
        break;
    case "recordings":
        await RecordingsBench.RunAsync(options, report);
        break;
    case "soak":
        await SoakBench.RunAsync(options, report);
        break;
    case "postgres":
        PostgresBench.Run(options, report);
        break;
    case "wer":
        await WerBench.RunAsync(report);
        break;
    case "all":
        IngestBench.Run(options, report);
        QueryBench.Run(options, report);
        await HttpBench.RunAsync(options, report);
        await DashboardBench.RunAsync(options, report);
        break;
    default:
        Console.Error.WriteLine("usage: Herald.Bench ingest|query|http|archive|snapshots|forecast|endpoints|failures|dashboard|phone|deliveries|deliveries-http|writer-scale|store-timings|items|reports|insights|recordings|soak|wer|postgres|all [--events N] [--minutes M] [--rate N] [--http-events N] [--dashboard-events N] [--dir PATH] [--teams N] [--items-per-team N]");
        return 2;
}
report.Print();
return 0;
