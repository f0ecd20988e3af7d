using System.Buffers.Binary;

namespace Herald.Recordings;

/// <summary>
/// Reads PCM WAV (what Twilio serves by default: 8 kHz, 16-bit, mono) and writes it as the 16 kHz, 16-bit mono WAV
/// PocketSphinx's US English model was trained on, resampling linearly and mixing channels down.
/// </summary>
public static class WavAudio
{
    /// <summary>The sample rate of PocketSphinx's US English model.</summary>
    public const int ModelRate = 16_000;

    /// <summary>The audio as 16 kHz mono 16-bit PCM samples; throws <see cref="InvalidDataException"/> for anything but PCM WAV.</summary>
    public static short[] ReadMono16k(ReadOnlySpan<byte> wav)
    {
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
            throw new InvalidDataException("the recording is not a WAV file");
        int channels = 0, rate = 0, bits = 0, format = 0;
        ReadOnlySpan<byte> data = default;
        bool haveData = false;
        for (int at = 12; at + 8 <= wav.Length;)
        {
            var id = wav.Slice(at, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(wav.Slice(at + 4, 4));
            int start = at + 8;
            int length = size < 0 || start + size > wav.Length ? wav.Length - start : size;
            if (id.SequenceEqual("fmt "u8) && length >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(start, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(start + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(wav.Slice(start + 4, 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(start + 14, 2));
            }
            else if (id.SequenceEqual("data"u8))
            {
                data = wav.Slice(start, length);
                haveData = true;
                break;
            }
            at = start + length + (length & 1);
        }
        // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which Herald reads as plain PCM when it is 16-bit.
        if (!haveData || format is not (1 or 0xFFFE) || bits != 16 || channels is < 1 or > 8 || rate is < 4000 or > 192_000)
            throw new InvalidDataException($"the recording must be 16-bit PCM WAV (format {format}, {bits} bits, {channels} channels, {rate} Hz)");
        int frames = data.Length / (2 * channels);
        var mono = new float[frames];
        for (int f = 0; f < frames; f++)
        {
            int sum = 0;
            for (int ch = 0; ch < channels; ch++) sum += BinaryPrimitives.ReadInt16LittleEndian(data.Slice((f * channels + ch) * 2, 2));
            mono[f] = (float)sum / channels;
        }
        if (rate == ModelRate) return Array.ConvertAll(mono, s => (short)s);
        int outFrames = (int)((long)frames * ModelRate / rate);
        var resampled = new short[outFrames];
        double step = (double)rate / ModelRate;
        for (int i = 0; i < outFrames; i++)
        {
            double position = i * step;
            int left = (int)position;
            int right = Math.Min(left + 1, frames - 1);
            double weight = position - left;
            resampled[i] = (short)Math.Clamp(Math.Round(mono[left] * (1 - weight) + mono[right] * weight), short.MinValue, short.MaxValue);
        }
        return resampled;
    }

    /// <summary>A 16-bit mono PCM WAV file of the samples at the rate given.</summary>
    public static byte[] Write(ReadOnlySpan<short> samples, int rate = ModelRate)
    {
        var wav = new byte[44 + samples.Length * 2];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + samples.Length * 2);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], rate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], rate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], samples.Length * 2);
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(span[(44 + i * 2)..], samples[i]);
        return wav;
    }
}
