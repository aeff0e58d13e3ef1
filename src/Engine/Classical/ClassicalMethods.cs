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
        int W = reference.Linear.Width, H = reference.Linear.Height;
        if (Mode == AlignmentMode.Given) ValidateGivenFlows(frames, refIndex, options, W, H);
        int s = Flow.ResolveScale(W, H);
        var sw = Stopwatch.StartNew();
        using var work = new Workspace(reference, s, Flow);

        // 1. Features (full-resolution passes, band-parallel) and, for the given/zero modes, the flows.
        Prepare(frames, refIndex, options, work, cancel);
        double tFeat = Ms(sw.ElapsedTicks), tFlow = 0;

        // 2. Optical flow: every neighbour's forward and backward solve as parallel jobs.
        if (Mode == AlignmentMode.OpticalFlow && work.Prepared.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            long t1 = sw.ElapsedTicks;
            SolveFlows(work);
            tFlow = Ms(sw.ElapsedTicks - t1);
        }

        // 3. Per neighbour: zero-motion fallback, noise, trust (independent jobs).
        cancel.ThrowIfCancellationRequested();
        long t2 = sw.ElapsedTicks;
        float refSigma = Merge.NoiseSigma ?? ExposureMerge.EstimateNoise(reference.Linear);
        var neighbours = new AlignedNeighbour[work.Prepared.Count];
        ParallelRange.Jobs(neighbours.Length, new TrustJobs(this, work, refSigma, neighbours));
        foreach (var a in neighbours) work.Rented.Add(a.Trust);
        double tTrust = Ms(sw.ElapsedTicks - t2);

        // 4. The fused warp + merge at full resolution.
        cancel.ThrowIfCancellationRequested();
        long t3 = sw.ElapsedTicks;
        var result = ExposureMerge.Merge(reference, refSigma, neighbours, work.W, work.H, Merge, options.Diagnostics);
        if (Timings is not null)
        {
            Timings.FeaturesMs = tFeat; Timings.FlowMs = tFlow; Timings.TrustMs = tTrust;
            Timings.MergeMs = Ms(sw.ElapsedTicks - t3);
        }
        return result;
    }

    private static void ValidateGivenFlows(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, int W, int H)
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

    /// <summary>Each neighbour's flow features (with the reference's at the pair's gain) and, without optical flow, its flow.</summary>
    private void Prepare(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, Workspace work, CancellationToken cancel)
    {
        var reference = work.Reference;
        int w = work.W, h = work.H, s = work.Scale;
        for (int i = 0; i < frames.Count; i++)
        {
            var nb = frames[i];
            if (i == refIndex || nb is null) continue;
            cancel.ThrowIfCancellationRequested();
            if (Mode == AlignmentMode.OpticalFlow)
            {
                var (gr, go) = OpticalFlow.PairGains(reference.Ev, nb.Ev);
                work.Prepared.Add(new Prepared(nb, work.ReferenceFeatures(gr), work.Own(FlowFeatures.Build(nb.Linear, go, s, Flow))));
                continue;
            }
            var p = new Prepared(nb, work.ReferenceFeatures(1f), work.Own(FlowFeatures.Build(nb.Linear, 1f, s, Flow)));
            p.U = work.RentZeroed(w * h); p.V = work.RentZeroed(w * h);
            if (Mode == AlignmentMode.None) p.Grid = new FlowGrid(p.U, p.V, w, h);
            else
            {
                var f = options.GivenFlows![i]!;
                BlockMeanFlow(f, s, p.U, p.V, w, h);
                int W = f.Width, n = W * f.Height;
                var fu = new float[n];
                var fv = new float[n];
                Array.Copy(f.Data, 0, fu, 0, n);
                Array.Copy(f.Data, n, fv, 0, n);
                p.Grid = new FlowGrid(fu, fv, W, f.Height);
            }
            work.Prepared.Add(p);
        }
    }

    private void SolveFlows(Workspace work)
    {
        var lows = OpticalFlow.ComputeLowRes(work.Prepared.Select(p => (p.Ref, p.Other)).ToList(), Flow);
        foreach (var low in lows) work.Own(low);
        for (int k = 0; k < work.Prepared.Count; k++)
        {
            var p = work.Prepared[k];
            p.U = lows[k].U; p.V = lows[k].V; p.Confidence = lows[k].Confidence;
            p.Grid = new FlowGrid(p.U, p.V, work.W, work.H);
        }
    }

    /// <summary>Job k: neighbour k's zero-motion fallback, noise and block trust.</summary>
    private readonly struct TrustJobs(ClassicalReconstruction method, Workspace work, float refSigma, AlignedNeighbour[] neighbours) : IRangeOperation
    {
        public void Invoke(int k0, int k1)
        {
            for (int k = k0; k < k1; k++) neighbours[k] = method.Trust(work, work.Prepared[k], refSigma);
        }
    }

    private AlignedNeighbour Trust(Workspace work, Prepared p, float refSigma)
    {
        var reference = work.Reference;
        var nb = p.Frame;
        if (Mode == AlignmentMode.OpticalFlow && ZeroMotionFallback)
            ExposureMerge.ZeroMotionFallback(p.Ref, reference.Ev, p.Other, nb.Ev, p.U!, p.V!, p.Confidence);
        float nbSigma = Merge.NoiseSigma ?? ExposureMerge.EstimateNoise(nb.Linear);
        float q = (float)(reference.Exposure / nb.Exposure);
        float sigma = MathF.Sqrt(refSigma * refSigma + q * q * nbSigma * nbSigma);
        var trust = ExposureMerge.BlockTrust(p.Ref, reference.Ev, p.Other, nb.Ev, p.U!, p.V!, p.Confidence, Merge.AbsFloor + Merge.NoiseK * sigma / work.Scale, Merge);
        return new AlignedNeighbour { Frame = nb, Flow = p.Grid, Trust = trust, NoiseSigma = nbSigma, PixelAbsTolerance = Merge.PixelAbsFloor + Merge.NoiseK * sigma };
    }

    /// <summary>
    /// Everything one reconstruction allocates on the way to the merge, released together: the flow features (the
    /// reference's once per gain), the low-resolution flows and the pooled working planes.
    /// </summary>
    private sealed class Workspace(FrameInput reference, int scale, FlowOptions flow) : IDisposable
    {
        private readonly Dictionary<float, FlowFeatures> _refFeatures = new();
        private readonly List<IDisposable> _owned = new();
        public readonly List<float[]> Rented = new();
        public readonly List<Prepared> Prepared = new();
        public FrameInput Reference { get; } = reference;
        public int Scale { get; } = scale;
        public int W { get; } = FlowFeatures.WorkingSize(reference.Linear.Width, scale);
        public int H { get; } = FlowFeatures.WorkingSize(reference.Linear.Height, scale);

        public T Own<T>(T d) where T : IDisposable
        {
            _owned.Add(d);
            return d;
        }

        public float[] RentZeroed(int n)
        {
            var a = Scratch.RentZeroed(n);
            Rented.Add(a);
            return a;
        }

        public FlowFeatures ReferenceFeatures(float gain)
        {
            if (!_refFeatures.TryGetValue(gain, out var f))
                _refFeatures[gain] = f = Own(FlowFeatures.Build(Reference.Linear, gain, Scale, flow));
            return f;
        }

        public void Dispose()
        {
            foreach (var d in _owned) d.Dispose();
            foreach (var a in Rented) Scratch.Return(a);
        }
    }

    /// <summary>A neighbour on its way to the merge: its flow features and, once computed, its working-resolution flow.</summary>
    private sealed class Prepared(FrameInput frame, FlowFeatures reference, FlowFeatures other)
    {
        public FrameInput Frame { get; } = frame;
        public FlowFeatures Ref { get; } = reference;
        public FlowFeatures Other { get; } = other;
        public float[]? U, V, Confidence;
        public FlowGrid Grid;
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
        var hdr = ImageF.Rent(L.Width, L.Height, 3);
        float inv = (float)(1.0 / r.Exposure);
        for (int i = 0; i < 3 * n; i++) hdr.Data[i] = L.Data[i] * inv;
        ImageF? sat = null, conf = null;
        if (options.Diagnostics)
        {
            var m = MergeOptions.Default;
            sat = ImageF.Rent(L.Width, L.Height, 1);
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

/// <summary>Registration of the classical methods, by the start-up code of the CLI and the plug-in.</summary>
public static class ClassicalMethods
{
    public static void Register()
    {
        Reconstructor.Register("classical", () => new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow));
        Reconstructor.Register("noalign", () => new ClassicalReconstruction("noalign", AlignmentMode.None));
        Reconstructor.Register("oracle", () => new ClassicalReconstruction("oracle", AlignmentMode.Given));
        Reconstructor.Register("single", () => new SingleExposureReconstruction(), ExposureInput.Any);
    }
}
