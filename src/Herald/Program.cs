using Herald.Hosting;

var app = HeraldHost.Build(args);
app.Run();
