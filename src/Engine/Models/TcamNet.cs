using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Profiling;

namespace HdrOfx.Engine.Models;

/// <summary>
/// The `tcam` network (DESIGN §5): a shared <see cref="FrameEncoder"/>, <see cref="TcamAlignment"/> on every
/// neighbour/reference pair (shared weights), the mean of the aligned pyramids and the <see cref="TemporalDecoder"/>,
/// whose zero-initialized head gives a residual r in the μ-law domain: the prediction is T(classical) + r.
/// H and W must be multiples of 4. Children "encoder", "tcam", "decoder".
/// </summary>
public sealed class TcamNet : Module
{
    public TcamConfig Config { get; }
    private readonly FrameEncoder _encoder;
    private readonly TcamAlignment _tcam;
    private readonly TemporalDecoder _decoder;

    public TcamNet(TcamConfig config, Rng rng)
    {
        Config = config;
        _encoder = RegisterModule("encoder", new FrameEncoder(config, rng));
        _tcam = RegisterModule("tcam", new TcamAlignment(config, rng));
        _decoder = RegisterModule("decoder", new TemporalDecoder(config, rng));
    }

    /// <summary>
    /// Side of the square tiles in which inference runs the full-resolution layers (a multiple of 4; 0 = the whole
    /// image at once). Tiling changes no value: see <see cref="ResidualTiled"/>.
    /// </summary>
    public int InferenceTile
    {
        get => _inferenceTile;
        set => _inferenceTile = value >= 0 && value % 4 == 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"tile {value} must be a non-negative multiple of 4");
    }

    private int _inferenceTile = DefaultInferenceTile;

    public const int DefaultInferenceTile = 128;

    /// <summary>
    /// Rows and columns of context around a full-resolution tile: the layers after the pre-warp see 3 pixels
    /// (matching r = 1, full1 and full2 3×3); 4 keeps every tile edge even, so the ×2 upsampling of a tile's
    /// 1/2-resolution crop samples the same taps as the whole image's.
    /// </summary>
    private const int TileMargin = 4;

    /// <summary>The μ-law residual [B, 3, H, W] over the classical merge; <paramref name="fusion"/> hooks the decoder's scales.</summary>
    public Tensor Residual(TcamBatch batch, ITemporalFusion? fusion = null)
    {
        int b = batch.BatchSize, k = batch.NeighbourCount;
        var x = batch.Reference;
        if (x.Rank != 4 || x.Shape[2] % 4 != 0 || x.Shape[3] % 4 != 0)
            throw new ArgumentException($"TcamNet needs [B, 6, H, W] with H, W multiples of 4, got {Tensor.ShapeString(x.Shape)}");
        if (k < 1) throw new ArgumentException("TcamNet needs at least one neighbour");
        if (!GradMode.IsEnabled && fusion is null && _inferenceTile > 0 && Config.MatchRadius <= TileMargin - 2
            && (x.Shape[2] > _inferenceTile || x.Shape[3] > _inferenceTile))
            return ResidualTiled(batch);
        FeaturePyramid reference;
        using (OpProfiler.Stage("encoder")) reference = InferenceScope.Run(() => _encoder.Encode(batch.Reference));
        var mean = InferenceScope.Run(() =>
        {
            FeaturePyramid nb;
            using (OpProfiler.Stage("encoder")) nb = InferenceScope.Run(() => _encoder.Encode(batch.Neighbours));
            var repeated = k == 1 ? reference : new FeaturePyramid(Repeat(reference.Full, k), Repeat(reference.Half, k), Repeat(reference.Quarter, k));
            FeaturePyramid aligned;
            using (OpProfiler.Stage("tcam")) aligned = _tcam.Forward(repeated, nb, batch.Flows);
            return k == 1 ? aligned : new FeaturePyramid(MeanOver(aligned.Full, k, b), MeanOver(aligned.Half, k, b), MeanOver(aligned.Quarter, k, b));
        });
        using var stage = OpProfiler.Stage("decoder");
        return InferenceScope.Run(() => _decoder.Forward(reference, mean, batch.Classical, fusion));
    }

    /// <summary>
    /// Inference with the full-resolution layers in tiles; the same values as the whole-image pass. The 1/2 and 1/4
    /// scales run on the whole image (MDTA's channel attention is global: softmax(k̂ᵀq̂·τ) sums over every pixel,
    /// Restormer Eq. 2), and so does the full-resolution pre-warp (the flow reaches anywhere in the neighbour). What
    /// follows at full resolution (matching, fusion, the decoder's two 3×3 convs and the head) only looks
    /// <see cref="TileMargin"/> − 1 pixels around each output, so each tile is computed on itself plus that margin and
    /// cropped; the 1/2-resolution inputs it upsamples are cropped one half-pixel wider and resized with the same taps.
    /// Tiles run in parallel, each on one thread. Only a few tiles' worth of full-resolution intermediates exist at once.
    /// </summary>
    private Tensor ResidualTiled(TcamBatch batch)
    {
        int b = batch.BatchSize, k = batch.NeighbourCount, h = batch.Reference.Shape[2], w = batch.Reference.Shape[3];
        FeaturePyramid reference;
        using (OpProfiler.Stage("encoder")) reference = InferenceScope.Run(() => _encoder.Encode(batch.Reference));
        Tensor w1 = null!, a2 = null!, d2 = null!;
        using (new TensorScope())
        {
            FeaturePyramid nb;
            using (OpProfiler.Stage("encoder")) nb = InferenceScope.Run(() => _encoder.Encode(batch.Neighbours));
            var repeated = k == 1 ? reference : new FeaturePyramid(reference.Full, Repeat(reference.Half, k), Repeat(reference.Quarter, k)); // Coarse reads no full-resolution reference
            Tensor a3;
            using (OpProfiler.Stage("tcam")) (w1, a2, a3) = _tcam.Coarse(repeated, nb, batch.Flows);
            TensorScope.Keep(w1);
            TensorScope.Keep(a2);
            using var stage = OpProfiler.Stage("decoder");
            d2 = TensorScope.Keep(InferenceScope.Run(() => _decoder.Coarse(reference.Half, reference.Quarter,
                k == 1 ? a2 : MeanOver(a2, k, b), k == 1 ? a3 : MeanOver(a3, k, b), null)));
        }

        var residual = Tensor.Empty(b, 3, h, w);
        int ts = _inferenceTile, rows = (h + ts - 1) / ts, cols = (w + ts - 1) / ts;
        var tiles = new TileJob(this, reference.Full, w1, a2, d2, batch.Classical, residual, k, b, ts, cols);
        using (OpProfiler.Stage("tiles")) ParallelRange.Jobs(rows * cols, tiles);
        return residual;
    }

    private readonly struct TileJob(TcamNet net, Tensor refFull, Tensor w1, Tensor a2, Tensor d2, Tensor classical, Tensor residual, int k, int b, int ts, int cols) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int t = s; t < e; t++) net.Tile(refFull, w1, a2, d2, classical, residual, k, b, t / cols * ts, t % cols * ts, ts);
        }
    }

    private void Tile(Tensor refFull, Tensor w1, Tensor a2, Tensor d2, Tensor classical, Tensor residual, int k, int b, int y0, int x0, int ts)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new TensorScope();
        int h = refFull.Shape[2], w = refFull.Shape[3];
        int th = Math.Min(ts, h - y0), tw = Math.Min(ts, w - x0);
        var region = new TileRegion(Math.Max(0, y0 - TileMargin), Math.Min(h, y0 + th + TileMargin), Math.Max(0, x0 - TileMargin), Math.Min(w, x0 + tw + TileMargin));
        var refR = region.Crop(refFull);
        Tensor a1;
        using (OpProfiler.Stage("tcam"))
        using (OpProfiler.Stage("match"))
            a1 = _tcam.Fine(k == 1 ? refR : Repeat(refR, k), region.Crop(w1), region.UpCrop(a2));
        var mean = k == 1 ? a1 : MeanOver(a1, k, b);
        Tensor r;
        using (OpProfiler.Stage("decoder")) r = _decoder.Fine(refR, mean, region.UpCrop(d2), region.Crop(classical), null);
        residual.Narrow(2, y0, th).Narrow(3, x0, tw).CopyFrom(r.Narrow(2, y0 - region.Y0, th).Narrow(3, x0 - region.X0, tw));
    }

    /// <summary>Rows [Y0, Y1) and columns [X0, X1) of a full-resolution image; Y0 and X0 are even.</summary>
    private readonly record struct TileRegion(int Y0, int Y1, int X0, int X1)
    {
        public Tensor Crop(Tensor full) => full.Narrow(2, Y0, Y1 - Y0).Narrow(3, X0, X1 - X0);

        /// <summary>
        /// This region of the ×2 bilinear upsampling of a 1/2-resolution tensor: a crop one 1/2 pixel wider on each
        /// side (clipped to the image) upsampled on its own. With even origins, a full-resolution row y reads source
        /// row y/2 − 1/4 in both, so the interior taps and weights are the whole image's, bit for bit.
        /// </summary>
        public Tensor UpCrop(Tensor half)
        {
            int hh = half.Shape[2], hw = half.Shape[3];
            int ya = Math.Max(0, Y0 / 2 - 1), yb = Math.Min(hh, Y1 / 2 + 1), xa = Math.Max(0, X0 / 2 - 1), xb = Math.Min(hw, X1 / 2 + 1);
            var up = half.Narrow(2, ya, yb - ya).Narrow(3, xa, xb - xa).Resize(2 * (yb - ya), 2 * (xb - xa));
            return up.Narrow(2, Y0 - 2 * ya, Y1 - Y0).Narrow(3, X0 - 2 * xa, X1 - X0);
        }
    }

    /// <summary>T(classical) + r: the prediction in the μ-law domain.</summary>
    public Tensor PredictMu(TcamBatch batch) => batch.ClassicalMu + Residual(batch);

    private static Tensor Repeat(Tensor t, int k) => Tensor.Concat(Enumerable.Repeat(t, k).ToArray(), 0);

    private static Tensor MeanOver(Tensor t, int k, int b)
    {
        var s = t.Shape;
        return t.Reshape(k, b, s[1], s[2], s[3]).Mean(0);
    }
}
