using Herald.Hosting;

namespace Herald.Recordings;

/// <summary>Wiring of the recordings pipeline: its options, audio store, transcriber, queue worker and routes.</summary>
public static class RecordingServices
{
    /// <summary>Registers the pipeline; <c>Herald:Recordings:Transcriber</c> picks the transcriber.</summary>
    public static IServiceCollection AddHeraldRecordings(this IServiceCollection services, IConfiguration configuration, HeraldOptions heraldOptions)
    {
        var options = configuration.GetSection("Herald:Recordings").Get<RecordingOptions>() ?? new RecordingOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<IAudioStore>(_ => new FileAudioStore(heraldOptions.DataDir));
        if (options.Transcriber == "none") services.AddSingleton<ITranscriber, NoTranscriber>();
        else services.AddSingleton<ITranscriber, PocketSphinxTranscriber>();
        services.AddSingleton<RecordingPipeline>();
        services.AddHostedService<RecordingWorker>();
        return services;
    }
}
