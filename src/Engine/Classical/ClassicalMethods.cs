using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Classical;

/// <summary>How a <see cref="ClassicalReconstruction"/> aligns neighbours before the merge.</summary>
public enum AlignmentMode
{
    /// <summary>Exposure-invariant optical flow with forward-backward confidence ("classical").</summary>
    OpticalFlow,
    /// <summary>No alignment: zero flow ("noalign").</summary>
    None,
    /// <summary>Flows taken from <see cref="ReconstructOptions.GivenFlows"/> ("oracle").</summary>
    Given,
}

/// <summary>Wall time of the last reconstruction's stages (for benchmarks).</summary>
public sealed class StageTimings
{
    public double FeaturesMs { get; set; }
    public double FlowMs { get; set; }
    public double TrustMs { get; set; }
    public double MergeMs { get; set; }
}

/// <summary>Flow (or none, or given) + ghost-aware merge: the "classical", "noalign" and "oracle" methods.</summary>
public sealed class ClassicalReconstruction : IReconstructionMethod
{
    public ClassicalReconstruction(string name, AlignmentMode mode)
    {
        Name = name;
        Mode = mode;
    }

    public string Name { get; }
    public AlignmentMode Mode { get; }
    /// <summary>
    /// Flow parameters of the merge. The forward–backward tolerance is softer than <see cref="FlowOptions.Default"/>
    /// (4 instead of 0.5 working px²): the merge's ghost tests already reject what disagrees, and a sharp confidence
    /// over-rejects where data is weak (clipped highlights), which cost up to 4.8 dB on a benchmark clip.
    /// </summary>
    public FlowOptions Flow { get; init; } = MergeFlowDefaults;

    public static readonly FlowOptions MergeFlowDefaults = new() { ConsistencyTolerance = 4f };
    public MergeOptions Merge { get; init; } = MergeOptions.Default;
    public StageTimings? Timings { get; set; }

    /// <summary>Per working pixel, fall back to zero motion where it matches clearly better than the flow.</summary>
    public bool ZeroMotionFallback { get; init; } = true;

    public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
    {
        Reconstructor.Validate(frames, refIndex);
        var reference = frames[refIndex]!;
        var L = reference.Linear;
        int W = L.Width, H = L.Height;
        if (Mode == AlignmentMode.Given)
        {
            var gf = options.GivenFlows ?? throw new ArgumentException("method 'oracle' needs ReconstructOptions.GivenFlows");
            if (gf.Count != frames.Count) throw new ArgumentException($"GivenFlows has {gf.Count} entries for {frames.Count} frames");
            for (int i = 0; i < frames.Count; i++)
            {
                if (i == refIndex || frames[i] is null) continue;
                var f = gf[i] ?? throw new ArgumentException($"method 'oracle' has no given flow for frame {i}");
                if (f.Width != W || f.Height != H || f.Channels < 2) throw new ArgumentException($"given flow {i} is {f}; expected {W}x{H}x2");
            }
        }
        int s = Flow.ResolveScale(W, H);
        int w = FlowFeatures.WorkingSize(W, s), h = FlowFeatures.WorkingSize(H, s);
        var sw = Stopwatch.StartNew();
        var refFeatures = new Dictionary<float, FlowFeatures>();
        var owned = new List<IDisposable>();
        var rented = new List<float[]>();
        var neighbours = new List<AlignedNeighbour>();
        double tFeat = 0, tFlow = 0, tTrust = 0;
        float? refSigma = null;
        try
        {
            FlowFeatures RefAt(float gain)
            {
                if (!refFeatures.TryGetValue(gain, out var f))
                {
                    f = FlowFeatures.Build(L, gain, s, Flow);
                    refFeatures[gain] = f;
                    owned.Add(f);
                }
                return f;
            }

            for (int i = 0; i < frames.Count; i++)
            {
                var nb = frames[i];
                if (i == refIndex || nb is null) continue;
                cancel.ThrowIfCancellationRequested();
                long t0 = sw.ElapsedTicks;
                float[] u, v;
                float[]? conf = null;
                FlowGrid grid;
                FlowFeatures fr, fo;
                if (Mode == AlignmentMode.OpticalFlow)
                {
                    var (gr, go) = OpticalFlow.PairGains(reference.Ev, nb.Ev);
                    fr = RefAt(gr);
                    fo = FlowFeatures.Build(nb.Linear, go, s, Flow);
                    owned.Add(fo);
                    long t1 = sw.ElapsedTicks;
                    tFeat += Ms(t1 - t0);
                    var low = OpticalFlow.ComputeLowRes(fr, fo, Flow);
                    owned.Add(low);
                    if (ZeroMotionFallback) ExposureMerge.ZeroMotionFallback(fr, reference.Ev, fo, nb.Ev, low.U, low.V, low.Confidence);
                    u = low.U; v = low.V; conf = low.Confidence;
                    grid = new FlowGrid(u, v, w, h);
                    tFlow += Ms(sw.ElapsedTicks - t1);
                }
                else
                {
                    fr = RefAt(1f);
                    fo = FlowFeatures.Build(nb.Linear, 1f, s, Flow);
                    owned.Add(fo);
                    u = Scratch.RentZeroed(w * h); v = Scratch.RentZeroed(w * h);
                    rented.Add(u); rented.Add(v);
                    if (Mode == AlignmentMode.None)
                    {
                        grid = new FlowGrid(u, v, w, h);
                    }
                    else
                    {
                        var f = options.GivenFlows![i]!;
                        BlockMeanFlow(f, s, u, v, w, h);
                        int n = W * H;
                        var fu = new float[n];
                        var fv = new float[n];
                        Array.Copy(f.Data, 0, fu, 0, n);
                        Array.Copy(f.Data, n, fv, 0, n);
                        grid = new FlowGrid(fu, fv, W, H);
                    }
                    tFeat += Ms(sw.ElapsedTicks - t0);
                }
                long t2 = sw.ElapsedTicks;
                refSigma ??= Merge.NoiseSigma ?? ExposureMerge.EstimateNoise(L);
                float nbSigma = Merge.NoiseSigma ?? ExposureMerge.EstimateNoise(nb.Linear);
                float q = (float)(reference.Exposure / nb.Exposure);
                float sigma = MathF.Sqrt(refSigma.Value * refSigma.Value + q * q * nbSigma * nbSigma);
                var trust = ExposureMerge.BlockTrust(fr, reference.Ev, fo, nb.Ev, u, v, conf, Merge.AbsFloor + Merge.NoiseK * sigma / s, Merge);
                rented.Add(trust);
                tTrust += Ms(sw.ElapsedTicks - t2);
                neighbours.Add(new AlignedNeighbour { Frame = nb, Flow = grid, Trust = trust, NoiseSigma = nbSigma, PixelAbsTolerance = Merge.PixelAbsFloor + Merge.NoiseK * sigma });
            }
            cancel.ThrowIfCancellationRequested();
            long t3 = sw.ElapsedTicks;
            refSigma ??= Merge.NoiseSigma ?? ExposureMerge.EstimateNoise(L);
            var result = ExposureMerge.Merge(reference, refSigma.Value, neighbours, w, h, Merge, options.Diagnostics);
            if (Timings is not null)
            {
                Timings.FeaturesMs = tFeat; Timings.FlowMs = tFlow; Timings.TrustMs = tTrust;
                Timings.MergeMs = Ms(sw.ElapsedTicks - t3);
            }
            return result;
        }
        finally
        {
            foreach (var d in owned) d.Dispose();
            foreach (var a in rented) Scratch.Return(a);
        }
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>Full-resolution flow → working grid: block mean, in working pixels.</summary>
    private static void BlockMeanFlow(ImageF f, int s, float[] u, float[] v, int w, int h)
    {
        int W = f.Width, H = f.Height, n = W * H;
        for (int by = 0; by < h; by++)
        {
            for (int bx = 0; bx < w; bx++)
            {
                double su = 0, sv = 0;
                int c = 0;
                for (int y = by * s; y < Math.Min(by * s + s, H); y++)
                {
                    for (int x = bx * s; x < Math.Min(bx * s + s, W); x++)
                    {
                        float a = f.Data[y * W + x], b = f.Data[n + y * W + x];
                        if (!float.IsFinite(a) || !float.IsFinite(b)) continue;
                        su += a; sv += b; c++;
                    }
                }
                u[by * w + bx] = c == 0 ? 0f : (float)(su / c / s);
                v[by * w + bx] = c == 0 ? 0f : (float)(sv / c / s);
            }
        }
    }
}

/// <summary>"single": the reference alone, Linear / 2^EV.</summary>
public sealed class SingleExposureReconstruction : IReconstructionMethod
{
    public string Name => "single";

    public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
    {
        Reconstructor.Validate(frames, refIndex);
        var r = frames[refIndex]!;
        var L = r.Linear;
        int n = L.PlaneSize;
        var hdr = new ImageF(L.Width, L.Height, 3);
        float inv = (float)(1.0 / r.Exposure);
        for (int i = 0; i < 3 * n; i++) hdr.Data[i] = L.Data[i] * inv;
        ImageF? sat = null, conf = null;
        if (options.Diagnostics)
        {
            var m = MergeOptions.Default;
            sat = new ImageF(L.Width, L.Height, 1);
            conf = new ImageF(L.Width, L.Height, 1);
            for (int i = 0; i < n; i++)
            {
                float a = L.Data[i], b = L.Data[n + i], c = L.Data[2 * n + i];
                float mx = MathF.Max(a, MathF.Max(b, c));
                float lum = 0.2126f * a + 0.7152f * b + 0.0722f * c;
                sat.Data[i] = mx >= m.ClipThreshold || lum < m.DarkThreshold ? 1f : 0f;
            }
        }
        return new ReconstructResult(hdr, sat, conf);
    }
}

/// <summary>Registration of the classical methods (called from BuiltInMethods.EnsureRegistered).</summary>
public static class ClassicalMethods
{
    public static void Register()
    {
        Reconstructor.Register("classical", () => new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow));
        Reconstructor.Register("noalign", () => new ClassicalReconstruction("noalign", AlignmentMode.None));
        Reconstructor.Register("oracle", () => new ClassicalReconstruction("oracle", AlignmentMode.Given));
        Reconstructor.Register("single", () => new SingleExposureReconstruction());
    }
}
