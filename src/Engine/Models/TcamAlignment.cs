using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Profiling;

namespace HdrOfx.Engine.Models;

/// <summary>Features of one frame at full, 1/2 and 1/4 resolution.</summary>
public sealed record FeaturePyramid(Tensor Full, Tensor Half, Tensor Quarter);

/// <summary>
/// TCAM (hdr-v-diff §3.2, DESIGN §5), one module whose weights every neighbour/reference pair shares (pairs are
/// stacked on the batch axis). U-shaped, coarse to fine, on neighbour features that the classical flow has already
/// pre-warped at each scale (so every learned part only corrects the flow's residual misalignment):
/// 1/4: spatial attention, a per-pixel, per-channel gate σ(conv([ref, nb])) on the neighbour (Yan et al. 2019);
/// 1/2: DCNv2 whose offsets (zero at init) are residuals to the flow, guided by both frames and the coarse result;
/// 1/1: patch-correlation matching within radius R (<see cref="PatchMatch"/>), fused with the upsampled 1/2 result.
/// </summary>
public sealed class TcamAlignment : Module
{
    private readonly TcamConfig _cfg;
    private readonly Conv2d? _attnIn, _attnOut;
    private readonly Conv2d _guide, _fuseHalf, _fuseFull;
    private readonly DeformableConvBlock? _dcn;
    private readonly Conv2d? _plainHalf;
    private readonly Tensor? _temperature;

    public TcamAlignment(TcamConfig cfg, Rng rng)
    {
        _cfg = cfg;
        if (cfg.SpatialAttention)
        {
            _attnIn = RegisterModule("attn_in", new Conv2d(2 * cfg.C3, cfg.C3, 1, rng));
            _attnOut = RegisterModule("attn_out", new Conv2d(cfg.C3, cfg.C3, 3, rng, padding: 1));
        }
        _guide = RegisterModule("guide", new Conv2d(2 * cfg.C2 + cfg.C3, cfg.C2, 1, rng));
        if (cfg.Dcn) _dcn = RegisterModule("dcn", new DeformableConvBlock(cfg.C2, cfg.C2, 3, rng, guideChannels: cfg.C2));
        else _plainHalf = RegisterModule("plain_half", new Conv2d(cfg.C2, cfg.C2, 3, rng, padding: 1));
        _fuseHalf = RegisterModule("fuse_half", new Conv2d(cfg.C2 + cfg.C3, cfg.C2, 1, rng));
        if (cfg.PatchMatching) _temperature = RegisterParameter("temperature", Tensor.Full(new[] { 1 }, 4f));
        _fuseFull = RegisterModule("fuse_full", new Conv2d(cfg.C1 + cfg.C2, cfg.C1, 1, rng));
    }

    /// <summary>
    /// Aligns the neighbour pyramid <paramref name="nb"/> to <paramref name="reference"/> given the classical flow
    /// [N, 2, H, W] in full-resolution pixels (backward warping: nb(p + flow(p)) matches ref(p)).
    /// Returns the aligned features at the three scales.
    /// </summary>
    public FeaturePyramid Forward(FeaturePyramid reference, FeaturePyramid nb, Tensor flow)
    {
        var (w1, a2, a3) = Coarse(reference, nb, flow);
        var a1 = InferenceScope.Run(() =>
        {
            using var stage = OpProfiler.Stage("match");
            return Fine(reference.Full, w1, Up(a2, w1));
        });
        return new FeaturePyramid(a1, a2, a3);
    }

    /// <summary>
    /// The pre-warp at every scale, spatial attention at 1/4 and DCN at 1/2: the neighbour's pre-warped full-resolution
    /// features and the aligned 1/2 and 1/4 features.
    /// </summary>
    internal (Tensor W1, Tensor A2, Tensor A3) Coarse(FeaturePyramid reference, FeaturePyramid nb, Tensor flow)
    {
        Tensor w1 = nb.Full, w2 = nb.Half, w3 = nb.Quarter;
        if (_cfg.FlowGuidance)
        {
            using var stage = OpProfiler.Stage("prewarp");
            var f2 = flow.AvgPool2d(2) * 0.5f;
            var f3 = f2.AvgPool2d(2) * 0.5f;
            w1 = Tensor.FlowWarp(w1, flow, GridPadding.Border);
            w2 = Tensor.FlowWarp(w2, f2, GridPadding.Border);
            w3 = Tensor.FlowWarp(w3, f3, GridPadding.Border);
        }

        var a3 = w3;
        if (_attnIn is not null)
            using (OpProfiler.Stage("attention"))
                a3 = InferenceScope.Run(() => w3 * _attnOut!.Forward(TcamActivation.LeakyRelu(_attnIn.Forward(Tensor.Concat(new[] { reference.Quarter, w3 }, 1)))).Sigmoid());

        var a2 = InferenceScope.Run(() =>
        {
            using var stage = OpProfiler.Stage("dcn");
            var up3 = Up(a3, w2);
            var guide = TcamActivation.LeakyRelu(_guide.Forward(Tensor.Concat(new[] { reference.Half, w2, up3 }, 1)));
            var d = TcamActivation.LeakyRelu(_dcn is not null ? _dcn.Forward(w2, guide) : _plainHalf!.Forward(w2 + guide));
            return TcamActivation.LeakyRelu(_fuseHalf.Forward(Tensor.Concat(new[] { d, up3 }, 1)));
        });

        return (w1, a2, a3);
    }

    /// <summary>Full resolution: patch matching of the pre-warped neighbour <paramref name="w1"/> against the reference, fused with the upsampled 1/2 result.</summary>
    internal Tensor Fine(Tensor referenceFull, Tensor w1, Tensor a2Up)
    {
        var m1 = _temperature is not null ? PatchMatch.Apply(referenceFull, w1, w1, _cfg.MatchRadius, _temperature) : w1;
        return TcamActivation.LeakyRelu(ConvConcat.Forward(_fuseFull, m1, a2Up));
    }

    internal static Tensor Up(Tensor x, Tensor like) => x.Resize(like.Shape[2], like.Shape[3]);
}
