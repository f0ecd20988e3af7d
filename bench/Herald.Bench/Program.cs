using Herald.Bench;

// dotnet run -c Release --project bench/Herald.Bench -- <ingest|http|query|dashboard|all> [--events N] [--dashboard-events N] [--dir PATH]
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
    case "http":
        await HttpBench.RunAsync(options, report);
        break;
    case "dashboard":
        await DashboardBench.RunAsync(options, report);
        break;
    case "all":
        IngestBench.Run(options, report);
        QueryBench.Run(options, report);
        await HttpBench.RunAsync(options, report);
        await DashboardBench.RunAsync(options, report);
        break;
    default:
        Console.Error.WriteLine("usage: Herald.Bench ingest|query|http|dashboard|all [--events N] [--http-events N] [--dashboard-events N] [--dir PATH]");
        return 2;
}
report.Print();
return 0;
