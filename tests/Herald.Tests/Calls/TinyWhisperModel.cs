using System.Runtime.InteropServices;
using System.Text;

namespace Herald.Tests.Calls;

/// <summary>
/// Writes a tiny but complete ggml Whisper model, laid out as whisper.cpp's loader reads one: the magic, the hyper-parameters,
/// the mel filter bank, the vocabulary, then every tensor (dimensions, name, type, data). Real Whisper dimensions where the
/// runtime depends on them (51864 tokens as the English-only models have, 80 mel bands, 1500 audio and 448 text positions),
/// tiny ones elsewhere (64 wide, 2 heads, 1 layer each), and small random weights: it runs, and hears nothing useful.
/// Like the published models it is "F16": matrices and convolutions in 16-bit floats, the rest in 32-bit ones.
/// The vocabulary's 50256 ordinary tokens are " t0" … " t50255" (and the blank, " "); whisper.cpp adds the special ones itself.
/// </summary>
internal static class TinyWhisperModel
{
    public const int Vocabulary = 51864, OrdinaryTokens = 50256, Mels = 80, FftBins = 201, AudioContext = 1500, TextContext = 448;
    public const int Width = 64, Heads = 2, Blank = 220;
    private const int F32 = 0, F16 = 1;

    /// <summary>
    /// Writes the model; <paramref name="badShape"/> gives the first convolution one output channel too many, and
    /// <paramref name="float32"/> writes every tensor in 32-bit floats (an "F32" model).
    /// </summary>
    public static void Write(string path, bool badShape = false, bool float32 = false)
    {
        using var file = File.Create(path);
        using var w = new BinaryWriter(file);
        w.Write(0x67676d6cu);
        foreach (int p in new[] { Vocabulary, AudioContext, Width, Heads, 1, TextContext, Width, Heads, 1, Mels, float32 ? F32 : F16 }) w.Write(p);

        w.Write(Mels);
        w.Write(FftBins);
        Floats(w, MelFilters());

        w.Write(OrdinaryTokens);
        for (int i = 0; i < OrdinaryTokens; i++)
        {
            // whisper.cpp looks the blank token up by its text (to suppress it at the start); it is 220 in the real vocabulary too.
            byte[] token = Encoding.ASCII.GetBytes(i == Blank ? " " : $" t{i}");
            w.Write(token.Length);
            w.Write(token);
        }

        var random = new Random(14);
        void Tensor(string name, params int[] shape) => WriteTensor(w, name, shape, Fill(shape, random, name), float32);
        Tensor("encoder.positional_embedding", Width, AudioContext);
        Tensor("encoder.conv1.weight", 3, Mels, badShape ? Width + 1 : Width);
        Tensor("encoder.conv1.bias", 1, Width);
        Tensor("encoder.conv2.weight", 3, Width, Width);
        Tensor("encoder.conv2.bias", 1, Width);
        Tensor("encoder.ln_post.weight", Width);
        Tensor("encoder.ln_post.bias", Width);
        Block(Tensor, "encoder.blocks.0.", cross: false);
        Tensor("decoder.positional_embedding", Width, TextContext);
        Tensor("decoder.token_embedding.weight", Width, Vocabulary);
        Tensor("decoder.ln.weight", Width);
        Tensor("decoder.ln.bias", Width);
        Block(Tensor, "decoder.blocks.0.", cross: true);
    }

    /// <summary>One transformer block's tensors: self-attention, the MLP, and (in the decoder) cross-attention.</summary>
    private static void Block(Action<string, int[]> tensor, string prefix, bool cross)
    {
        tensor(prefix + "mlp_ln.weight", [Width]);
        tensor(prefix + "mlp_ln.bias", [Width]);
        tensor(prefix + "mlp.0.weight", [Width, 4 * Width]);
        tensor(prefix + "mlp.0.bias", [4 * Width]);
        tensor(prefix + "mlp.2.weight", [4 * Width, Width]);
        tensor(prefix + "mlp.2.bias", [Width]);
        foreach (string attention in cross ? new[] { "attn", "cross_attn" } : ["attn"])
        {
            tensor(prefix + attention + "_ln.weight", [Width]);
            tensor(prefix + attention + "_ln.bias", [Width]);
            tensor(prefix + attention + ".query.weight", [Width, Width]);
            tensor(prefix + attention + ".query.bias", [Width]);
            tensor(prefix + attention + ".key.weight", [Width, Width]);
            tensor(prefix + attention + ".value.weight", [Width, Width]);
            tensor(prefix + attention + ".value.bias", [Width]);
            tensor(prefix + attention + ".out.weight", [Width, Width]);
            tensor(prefix + attention + ".out.bias", [Width]);
        }
    }

    /// <summary>Layer norms scale by 1, biases start at 0, everything else is small noise.</summary>
    private static float[] Fill(int[] shape, Random random, string name)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        if (name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal)) Array.Fill(values, 1f);
        else if (!name.EndsWith(".bias", StringComparison.Ordinal))
            for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * 0.05);
        return values;
    }

    /// <summary>Weight matrices and convolution kernels are 16-bit; vectors, biases and positional embeddings 32-bit (as whisper.cpp expects of an F16 model).</summary>
    private static void WriteTensor(BinaryWriter w, string name, int[] shape, float[] data, bool float32)
    {
        bool half = !float32 && name.EndsWith(".weight", StringComparison.Ordinal) && shape.Length > 1;
        byte[] nameBytes = Encoding.ASCII.GetBytes(name);
        w.Write(shape.Length);
        w.Write(nameBytes.Length);
        w.Write(half ? F16 : F32);
        foreach (int n in shape) w.Write(n);
        w.Write(nameBytes);
        if (!half)
        {
            Floats(w, data);
            return;
        }
        var halves = new ushort[data.Length];
        for (int i = 0; i < data.Length; i++) halves[i] = BitConverter.HalfToUInt16Bits((Half)data[i]);
        w.Write(MemoryMarshal.AsBytes(halves.AsSpan()));
    }

    private static void Floats(BinaryWriter w, float[] values) => w.Write(MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>Triangular filters evenly spaced on the mel scale from 0 to 8 kHz over the 201 bins of a 400-point FFT at 16 kHz.</summary>
    private static float[] MelFilters()
    {
        static double Mel(double hz) => 2595 * Math.Log10(1 + hz / 700);
        static double Hz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);
        var edges = Enumerable.Range(0, Mels + 2).Select(i => Hz(Mel(8000) * i / (Mels + 1))).ToArray();
        var filters = new float[Mels * FftBins];
        for (int m = 0; m < Mels; m++)
            for (int k = 0; k < FftBins; k++)
            {
                double hz = k * 16000.0 / 400;
                double rising = (hz - edges[m]) / (edges[m + 1] - edges[m]);
                double falling = (edges[m + 2] - hz) / (edges[m + 2] - edges[m + 1]);
                filters[m * FftBins + k] = (float)Math.Max(0, Math.Min(rising, falling));
            }
        return filters;
    }
}
