using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Profiling;

namespace HdrOfx.Engine.Models;

/// <summary>
/// The multi-scale temporal decoder (hdr-v-diff §3.2, Fig. 2 c): at 1/4 and 1/2 the reference features, the mean of
/// the aligned neighbours (the mean keeps 2- and 3-exposure windows on the same weights) and the coarser result are
/// merged by a 1×1 conv and Restormer blocks (MDTA + GDFN); at full resolution two 3×3 convs also see the classical
/// merge in the μ-law domain and the flows' mean confidence. The last layer is a zero-initialized 1×1 conv
/// (ZiCA's Eq. 6 principle applied to the whole network): it outputs the μ-law residual over the classical merge,
/// exactly 0 before training.
/// </summary>
public sealed class TemporalDecoder : Module
{
    private readonly Conv2d _inQuarter, _inHalf, _full1, _full2;
    private readonly Sequential _quarter, _half;
    private readonly ZeroConv _head;

    public const int ClassicalChannels = 4;

    public TemporalDecoder(TcamConfig cfg, Rng rng)
    {
        _inQuarter = RegisterModule("in_quarter", new Conv2d(2 * cfg.C3, cfg.C3, 1, rng));
        _quarter = RegisterModule("quarter", new Sequential(Enumerable.Range(0, cfg.BlocksQuarter).Select(_ => (Module)new RestormerBlock(cfg.C3, cfg.HeadsQuarter, rng)).ToArray()));
        _inHalf = RegisterModule("in_half", new Conv2d(2 * cfg.C2 + cfg.C3, cfg.C2, 1, rng));
        _half = RegisterModule("half", new Sequential(Enumerable.Range(0, cfg.BlocksHalf).Select(_ => (Module)new RestormerBlock(cfg.C2, cfg.HeadsHalf, rng)).ToArray()));
        _full1 = RegisterModule("full1", new Conv2d(2 * cfg.C1 + cfg.C2 + ClassicalChannels, cfg.C1, 3, rng, padding: 1));
        _full2 = RegisterModule("full2", new Conv2d(cfg.C1, cfg.C1, 3, rng, padding: 1));
        _head = RegisterModule("head", new ZeroConv(cfg.C1, 3, rng));
    }

    /// <param name="classical">[B, 4, H, W]: the classical merge in the μ-law domain and the mean flow confidence.</param>
    /// <param name="fusion">Optional hook on the features of each scale (ZiCA, hdr-v-diff §3.3); null = none.</param>
    /// <returns>The residual [B, 3, H, W] in the μ-law domain.</returns>
    public Tensor Forward(FeaturePyramid reference, FeaturePyramid alignedMean, Tensor classical, ITemporalFusion? fusion = null)
    {
        var d2 = Coarse(reference.Half, reference.Quarter, alignedMean.Half, alignedMean.Quarter, fusion);
        return InferenceScope.Run(() => Fine(reference.Full, alignedMean.Full, TcamAlignment.Up(d2, reference.Full), classical, fusion));
    }

    /// <summary>The 1/4 and 1/2 scales (Restormer blocks): the 1/2 feature d2.</summary>
    internal Tensor Coarse(Tensor referenceHalf, Tensor referenceQuarter, Tensor meanHalf, Tensor meanQuarter, ITemporalFusion? fusion)
    {
        var d3 = InferenceScope.Run(() =>
        {
            using var stage = OpProfiler.Stage("quarter");
            var d = _quarter.Forward(_inQuarter.Forward(Tensor.Concat(new[] { referenceQuarter, meanQuarter }, 1)));
            return fusion is null ? d : fusion.Fuse(FeatureScale.Quarter, d);
        });
        return InferenceScope.Run(() =>
        {
            using var stage = OpProfiler.Stage("half");
            var d = _half.Forward(_inHalf.Forward(Tensor.Concat(new[] { referenceHalf, meanHalf, TcamAlignment.Up(d3, referenceHalf) }, 1)));
            return fusion is null ? d : fusion.Fuse(FeatureScale.Half, d);
        });
    }

    /// <summary>Full resolution: two 3×3 convs on [reference, aligned mean, upsampled d2, classical] and the zero-initialized head.</summary>
    internal Tensor Fine(Tensor referenceFull, Tensor meanFull, Tensor d2Up, Tensor classical, ITemporalFusion? fusion)
    {
        Tensor d1;
        using (OpProfiler.Stage("full1")) d1 = InferenceScope.Run(() => TcamActivation.LeakyRelu(ConvConcat.Forward(_full1, referenceFull, meanFull, d2Up, classical)));
        return InferenceScope.Run(() =>
        {
            using var stage = OpProfiler.Stage("full2");
            var d = TcamActivation.LeakyRelu(_full2.Forward(d1));
            return _head.Forward(fusion is null ? d : fusion.Fuse(FeatureScale.Full, d));
        });
    }
}
