using Herald.Monitoring;

namespace Herald.Realtime.SocketIo;

public static class SocketIoEndpoints
{
    /// <summary>Where Socket.IO clients connect unless told otherwise (their <c>path</c> option).</summary>
    public const string DefaultPath = "/socket.io/";

    /// <summary>Serves <paramref name="server"/> at <paramref name="path"/>, closing its sessions when the host stops.</summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder app, EngineIoServer server, string path = DefaultPath)
    {
        app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => server.CloseAll("server stopping"));
        return app.Map(path, (RequestDelegate)server.HandleAsync).WithMetadata(new LongLivedRequests()).ExcludeFromDescription();
    }
}
