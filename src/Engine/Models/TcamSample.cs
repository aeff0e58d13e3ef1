using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Models;

/// <summary>
/// The network's input for one reference frame, as planar arrays: per frame the 6 channels of hdr-v-diff Eq. 1,
/// [L, T(f⁻¹(L)/2^EV)] — with L re-encoded as f⁻¹(L)^(1/2.2), since a method sees only linearized frames — and
/// what the classical path computed: each neighbour's flow to the reference and its confidence, and the merge.
/// </summary>
public sealed class TcamSample : IDisposable
{
    private bool _pooled;

    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>s = 2^EV_min of the window (see <see cref="MuLawDomain"/>).</summary>
    public required float Scale { get; init; }
    public required float[] Reference { get; init; }
    public required IReadOnlyList<float[]> Neighbours { get; init; }
    public required IReadOnlyList<float[]> Flows { get; init; }
    /// <summary>4 planes: T(classical merge) and the mean flow confidence.</summary>
    public required float[] Classical { get; init; }
    /// <summary>The classical merge in radiance (3 planes), the base the residual is added to.</summary>
    public required ImageF ClassicalHdr { get; init; }
    /// <summary>The reference frame itself (HDR-V-Diff's prior is sampled from it).</summary>
    public FrameInput? ReferenceFrame { get; init; }

    public int NeighbourCount => Neighbours.Count;

    /// <summary>
    /// Builds a sample; <paramref name="flows"/>[i] is the classical flow of frames[i] (null for the reference and missing
    /// frames). <paramref name="pooled"/>: the arrays come from the tensor arena (they may be longer than their planes)
    /// and <see cref="Dispose"/> gives them back, so a video render does not leave ~27 planes of garbage a frame.
    /// </summary>
    public static TcamSample Build(IReadOnlyList<FrameInput?> frames, int refIndex, ImageF classicalHdr, IReadOnlyList<FlowField?> flows, bool pooled = false)
    {
        float[] New(int length) => pooled ? TensorArena.RentFloat(length) : new float[length];
        var reference = frames[refIndex]!;
        int w = reference.Linear.Width, h = reference.Linear.Height, n = w * h;
        double evMin = frames.Where(f => f is not null).Min(f => f!.Ev);
        float s = (float)Math.Pow(2.0, evMin);
        var nbs = new List<float[]>();
        var fls = new List<float[]>();
        var conf = New(n);
        Array.Clear(conf, 0, n);
        for (int i = 0; i < frames.Count; i++)
        {
            if (i == refIndex || frames[i] is null) continue;
            var flow = flows[i] ?? throw new ArgumentException($"frame {i} has no classical flow");
            nbs.Add(FrameChannels(frames[i]!, s, New));
            var fl = New(2 * n);
            Array.Copy(flow.Flow.Data, fl, 2 * n);
            fls.Add(fl);
            var c = flow.Confidence?.Data;
            for (int p = 0; p < n; p++) conf[p] += c is null ? 1f : c[p];
        }
        var classical = New(4 * n);
        ParallelRange.For(3 * n, 1 << 15, new MuLawBody(classicalHdr.Data, classical, s));
        float inv = nbs.Count == 0 ? 0f : 1f / nbs.Count;
        for (int p = 0; p < n; p++) classical[3 * n + p] = conf[p] * inv;
        if (pooled) TensorArena.Return(conf);
        return new TcamSample
        {
            Width = w, Height = h, Scale = s, Reference = FrameChannels(reference, s, New), Neighbours = nbs, Flows = fls,
            Classical = classical, ClassicalHdr = classicalHdr, ReferenceFrame = reference, _pooled = pooled,
        };
    }

    /// <summary>Gives pooled arrays back to the arena (a sample built with pooled: false has none); the sample is unusable after.</summary>
    public void Dispose()
    {
        if (!_pooled) return;
        _pooled = false;
        TensorArena.Return(Reference);
        TensorArena.Return(Classical);
        foreach (var a in Neighbours) TensorArena.Return(a);
        foreach (var a in Flows) TensorArena.Return(a);
    }

    private static float[] FrameChannels(FrameInput f, float s, Func<int, float[]> alloc)
    {
        var lin = f.Linear;
        int n = lin.PlaneSize;
        var x = alloc(6 * n);
        float toRef = (float)(1.0 / f.Exposure);
        ParallelRange.For(3 * n, 1 << 15, new FrameChannelsBody(lin.Data, n, x, toRef, s));
        return x;
    }

    private readonly struct MuLawBody(float[] hdr, float[] mu, float s) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int p = start; p < end; p++) mu[p] = MuLawDomain.Forward(hdr[p], s);
        }
    }

    private readonly struct FrameChannelsBody(float[] lin, int n, float[] x, float toRef, float s) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                int c = i / n, p = i - c * n;
                float v = Math.Clamp(lin[i], 0f, 1f);
                x[c * n + p] = MathF.Pow(v, 1f / 2.2f);
                x[(3 + c) * n + p] = MuLawDomain.Forward(v * toRef, s);
            }
        }
    }

    /// <summary>Stacks samples with the same size and neighbour count into one batch.</summary>
    public static TcamBatch Stack(IReadOnlyList<TcamSample> samples)
    {
        var first = samples[0];
        int b = samples.Count, k = first.NeighbourCount, w = first.Width, h = first.Height, n = w * h;
        foreach (var s in samples)
            if (s.Width != w || s.Height != h || s.NeighbourCount != k)
                throw new ArgumentException($"a batch needs equal sizes and neighbour counts: {s.Width}x{s.Height}/{s.NeighbourCount} vs {w}x{h}/{k}");
        // written straight into the tensors (pooled storage): no per-frame staging arrays for the GC
        var reference = Tensor.Empty(b, 6, h, w);
        var nbs = Tensor.Empty(k * b, 6, h, w);
        var flows = Tensor.Empty(k * b, 2, h, w);
        var classical = Tensor.Empty(b, 4, h, w);
        Span<float> rs = reference.Span, ns = nbs.Span, fs = flows.Span, cs = classical.Span;
        for (int i = 0; i < b; i++)
        {
            var s = samples[i];
            s.Reference.AsSpan(0, 6 * n).CopyTo(rs.Slice(i * 6 * n));
            s.Classical.AsSpan(0, 4 * n).CopyTo(cs.Slice(i * 4 * n));
            for (int j = 0; j < k; j++)
            {
                s.Neighbours[j].AsSpan(0, 6 * n).CopyTo(ns.Slice((j * b + i) * 6 * n));
                s.Flows[j].AsSpan(0, 2 * n).CopyTo(fs.Slice((j * b + i) * 2 * n));
            }
        }
        return new TcamBatch(reference, nbs, flows, classical, k);
    }
}

/// <summary>
/// A batch of B reference windows with K neighbours each: neighbour j of window i sits at batch index j·B + i of
/// <see cref="Neighbours"/> and <see cref="Flows"/>, so one TCAM call aligns every pair with shared weights.
/// </summary>
public sealed record TcamBatch(Tensor Reference, Tensor Neighbours, Tensor Flows, Tensor Classical, int NeighbourCount)
{
    public int BatchSize => Reference.Shape[0];
    public Tensor ClassicalMu => Classical.Narrow(1, 0, 3);
}
