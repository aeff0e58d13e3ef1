using System.Diagnostics;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Dev.Benchmarks;

public sealed record BenchResult
{
    public required string Method { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Frames { get; init; }
    public required int PatternLength { get; init; }
    public required int ProcessorCount { get; init; }
    public required double FramesPerSecond { get; init; }
    public required double MsPerFrame { get; init; }
    /// <summary>Best (minimum) frame time, less sensitive to a shared machine's noise.</summary>
    public required double BestMsPerFrame { get; init; }
    /// <summary>Mean stage times per frame.</summary>
    public required double FeaturesMs { get; init; }
    public required double FlowMs { get; init; }
    public required double TrustMs { get; init; }
    public required double MergeMs { get; init; }

    public override string ToString() =>
        $"{Method} {Width}x{Height}, {PatternLength} exposures, {Frames} frames, {ProcessorCount} cores: " +
        $"{FramesPerSecond:F2} frames/s ({MsPerFrame:F1} ms/frame, best {BestMsPerFrame:F1}; features {FeaturesMs:F1}, flow {FlowMs:F1}, trust {TrustMs:F1}, merge {MergeMs:F1})";
}

/// <summary>
/// Times the "classical" reconstruction on a procedural alternating-exposure clip (panning HDR texture with a moving
/// square), one warm-up frame excluded. Used by `hdrofx bench`.
/// </summary>
public static class ClassicalBenchmark
{
    public static BenchResult Run(int width, int height, int frames, int patternLength) =>
        Run(width, height, frames, patternLength, null);

    public static BenchResult Run(int width, int height, int frames, int patternLength, ClassicalReconstruction? method)
    {
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), $"bench size {width}x{height} is too small");
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), "need at least one frame");
        if (patternLength is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(patternLength), "pattern length must be 2 or 3");
        var pattern = patternLength == 2 ? new ExposurePattern([-1.5, 1.5], 0) : new ExposurePattern([-2, 0, 2], 0);
        int r = pattern.DefaultRadius;
        int total = frames + 1 + 2 * r;
        var clip = MakeClip(width, height, total, pattern);
        method ??= new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow);
        var timings = new StageTimings();
        method.Timings = timings;
        var opts = new ReconstructOptions { Method = method.Name };
        double sum = 0, best = double.MaxValue, fe = 0, fl = 0, tr = 0, me = 0;
        for (int t = r; t < total - r; t++)
        {
            var window = new FrameInput?[2 * r + 1];
            for (int k = -r; k <= r; k++) window[k + r] = clip[t + k];
            var sw = Stopwatch.StartNew();
            var result = method.Reconstruct(window, r, opts, CancellationToken.None);
            double ms = sw.Elapsed.TotalMilliseconds;
            result.Dispose(); // as a video render does once a frame is written
            if (t == r) continue; // warm-up: JIT and scratch pool
            sum += ms; best = Math.Min(best, ms);
            fe += timings.FeaturesMs; fl += timings.FlowMs; tr += timings.TrustMs; me += timings.MergeMs;
        }
        method.Timings = null;
        double mean = sum / frames;
        return new BenchResult
        {
            Method = method.Name, Width = width, Height = height, Frames = frames, PatternLength = patternLength,
            ProcessorCount = Environment.ProcessorCount, FramesPerSecond = 1000.0 / mean, MsPerFrame = mean, BestMsPerFrame = best,
            FeaturesMs = fe / frames, FlowMs = fl / frames, TrustMs = tr / frames, MergeMs = me / frames,
        };
    }

    /// <summary>Procedural clip: a band-limited HDR texture with bright spots panning 3 px/frame right, 1 px/frame down,
    /// and a bright square moving the other way; exposures from the pattern, linear CRF, clip at 1, small deterministic noise.</summary>
    public static FrameInput[] MakeClip(int width, int height, int count, ExposurePattern pattern)
    {
        int pad = 4 * count + 8;
        int bw = width + pad, bh = height + pad;
        var tex = new float[3][];
        for (int c = 0; c < 3; c++) tex[c] = new float[bw * bh];
        ParallelRange.ForRows(bh, bw * 30, new TextureRows(tex, bw));
        var frames = new FrameInput[count];
        for (int t = 0; t < count; t++)
        {
            double ev = pattern.EvOf(t);
            float e = (float)Math.Pow(2, ev);
            var img = new ImageF(width, height, 3);
            int ox = 3 * t, oy = t, n = width * height;
            int qx = width / 2 - 4 * t, qy = height / 3;
            uint seed = (uint)t * 2654435761u;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        float v = tex[c][(y + oy) * bw + x + ox];
                        if (x >= qx && x < qx + 64 && y >= qy && y < qy + 64) v = 2f + 0.5f * c;
                        uint hsh = (uint)(x * 73856093) ^ (uint)(y * 19349663) ^ seed ^ (uint)(c * 83492791);
                        hsh ^= hsh >> 13; hsh *= 0x5bd1e995; hsh ^= hsh >> 15;
                        float noise = ((hsh & 0xFFFF) / 65535f - 0.5f) * 0.004f;
                        img.Data[c * n + y * width + x] = Math.Clamp(v * e + noise, 0f, 1f);
                    }
                }
            }
            frames[t] = new FrameInput(img, ev);
        }
        return frames;
    }

    private readonly struct TextureRows(float[][] tex, int bw) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = 0; x < bw; x++)
                {
                    float a = MathF.Sin(x * 0.071f) * MathF.Cos(y * 0.053f) + 0.5f * MathF.Sin((x + 2 * y) * 0.13f) + 0.25f * MathF.Cos((x - y) * 0.31f);
                    float v = 0.15f * MathF.Exp(1.6f * a);
                    int cx = x % 97 - 48, cy = y % 83 - 41;
                    if (cx * cx + cy * cy < 64) v += 6f;
                    tex[0][y * bw + x] = v * (0.9f + 0.1f * MathF.Sin(y * 0.02f));
                    tex[1][y * bw + x] = v;
                    tex[2][y * bw + x] = v * (0.8f + 0.2f * MathF.Cos(x * 0.017f));
                }
            }
        }
    }
}
