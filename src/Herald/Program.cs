return await Herald.Cli.HeraldCli.RunAsync(args);
