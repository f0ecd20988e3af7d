using Herald.Hosting;
using Herald.Outbound;

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
        if (options.AudioStore == "s3")
        {
            services.AddOutboundGuard();
            // Settings the bucket cannot work with stop the start here, not at the first recording.
            var bucketOptions = options.S3;
            new Backup.S3Bucket(bucketOptions, new OutboundConnector(OutboundPolicy.Default, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboundConnector>.Instance), S3AudioStore.Setting).Dispose();
            services.AddSingleton<IAudioStore>(sp => new S3AudioStore(
                new Backup.S3Bucket(bucketOptions, sp.GetRequiredService<OutboundConnector>(), S3AudioStore.Setting), heraldOptions.DataDir));
        }
        else
        {
            services.AddSingleton<IAudioStore>(_ => new FileAudioStore(heraldOptions.DataDir));
        }
        if (options.Transcriber == "none") services.AddSingleton<ITranscriber, NoTranscriber>();
        else services.AddSingleton<ITranscriber, PocketSphinxTranscriber>();
        services.AddSingleton<RecordingPipeline>();
        services.AddHostedService<RecordingWorker>();
        return services;
    }
}
