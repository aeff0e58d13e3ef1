using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
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

    /// <summary>The μ-law residual [B, 3, H, W] over the classical merge; <paramref name="fusion"/> hooks the decoder's scales.</summary>
    public Tensor Residual(TcamBatch batch, ITemporalFusion? fusion = null)
    {
        int b = batch.BatchSize, k = batch.NeighbourCount;
        var x = batch.Reference;
        if (x.Rank != 4 || x.Shape[2] % 4 != 0 || x.Shape[3] % 4 != 0)
            throw new ArgumentException($"TcamNet needs [B, 6, H, W] with H, W multiples of 4, got {Tensor.ShapeString(x.Shape)}");
        if (k < 1) throw new ArgumentException("TcamNet needs at least one neighbour");
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

    /// <summary>T(classical) + r: the prediction in the μ-law domain.</summary>
    public Tensor PredictMu(TcamBatch batch) => batch.ClassicalMu + Residual(batch);

    private static Tensor Repeat(Tensor t, int k) => Tensor.Concat(Enumerable.Repeat(t, k).ToArray(), 0);

    private static Tensor MeanOver(Tensor t, int k, int b)
    {
        var s = t.Shape;
        return t.Reshape(k, b, s[1], s[2], s[3]).Mean(0);
    }
}
