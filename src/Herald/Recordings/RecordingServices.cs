using Herald.Hosting;
using Herald.Outbound;
using Microsoft.Extensions.AI;

namespace Herald.Recordings;

/// <summary>Wiring of the recordings pipeline: its options, audio store, transcriber, queue worker and routes.</summary>
public static class RecordingServices
{
    /// <summary>Registers the pipeline; <c>Herald:Recordings:Transcriber</c> and <c>Analyzer</c> pick the transcriber and the analysis.</summary>
    public static IServiceCollection AddHeraldRecordings(this IServiceCollection services, IConfiguration configuration, HeraldOptions heraldOptions)
    {
        var options = RecordingOptions.From(configuration);
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
        services.AddSingleton<OpenAiConnection>();
        switch (options.Transcriber)
        {
            case "none": services.AddSingleton<ITranscriber, NoTranscriber>(); break;
            case "openai": services.AddSingleton<ITranscriber, OpenAiTranscriber>(); break;
            case "whisper":
                // Loaded here so that a model whisper.cpp refuses stops the start rather than failing every recording.
                var whisper = new WhisperTranscriber(options);
                services.AddSingleton<ITranscriber>(_ => whisper);
                break;
            default: services.AddSingleton<ITranscriber, PocketSphinxTranscriber>(); break;
        }
        if (options.Analyzer == "openai")
            services.AddSingleton<ICallAnalyzer>(sp => new ChatCallAnalyzer(
                sp.GetRequiredService<OpenAiConnection>().Client.GetChatClient(options.OpenAi.ChatModel).AsIChatClient()));
        else services.AddSingleton<ICallAnalyzer, LexiconCallAnalyzer>();
        services.AddSingleton<RecordingPipeline>();
        services.AddHostedService<RecordingWorker>();
        return services;
    }
}
