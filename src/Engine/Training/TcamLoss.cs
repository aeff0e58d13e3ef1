using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Training;

/// <summary>The loss terms of one step (0-D tensors; <see cref="Total"/> is the one to differentiate).</summary>
public sealed record TcamLossTerms(Tensor Total, Tensor L1, Tensor Ssim, Tensor Temporal);

/// <summary>
/// Stage-3 loss of DESIGN §5, all in the μ-law domain:
/// L = |P − G|₁ + λ_s (1 − SSIM(P, G)) + λ_t L_temp, with the temporal term of Chung &amp; Cho 2023 on consecutive
/// outputs, L_temp = mean(v · |(P_t − W(P_{t+1})) − (G_t − W(G_{t+1}))|), W the backward warp along the ground-truth
/// flow t → t+1 and v its validity (comparing differences, not frames, leaves true scene changes unpunished).
/// SSIM-μ stands in for the paper's VGG perceptual loss: no VGG weights can be had here.
/// Predictions and truths are ordered (clip 0 frame t, clip 0 frame t+1, clip 1 frame t, ...).
/// </summary>
public static class TcamLoss
{
    public const float SsimWeight = 0.25f, DefaultTemporalWeight = 0.5f;

    public static TcamLossTerms Compute(Tensor pred, Tensor truth, Tensor flow, Tensor valid, float temporalWeight = DefaultTemporalWeight)
    {
        int n = pred.Shape[0];
        var l1 = Tensor.L1Loss(pred, truth);
        var ssim = Tensor.SsimLoss(pred.Clamp(0f, 1f), truth.Clamp(0f, 1f), 1f);
        var pt = pred.Slice(0, 0, n, 2);
        var pt1 = pred.Slice(0, 1, n, 2);
        var gt = truth.Slice(0, 0, n, 2);
        var gt1 = truth.Slice(0, 1, n, 2);
        var dp = pt - Tensor.FlowWarp(pt1.Contiguous(), flow, GridPadding.Border);
        var dg = gt - Tensor.FlowWarp(gt1.Contiguous(), flow, GridPadding.Border);
        var temporal = ((dp - dg).Abs() * valid).Mean();
        var total = l1 + ssim * SsimWeight + temporal * temporalWeight;
        return new TcamLossTerms(total, l1, ssim, temporal);
    }
}
