using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Training.Zica;

/// <summary>
/// Stage-4 loss, hdr-v-diff Eq. 7 with its weights: L = L_rec + 0.1·L_temp + 0.1·L_perc, the terms of
/// <see cref="TcamLoss"/> (L1 in the μ-law domain, the temporal loss of Chung &amp; Cho 2023) with SSIM-μ standing in
/// for the VGG-19 perceptual loss (no VGG weights can be had here).
/// </summary>
public static class ZicaLoss
{
    public const float TemporalWeight = 0.1f, PerceptualWeight = 0.1f;

    public static TcamLossTerms Compute(Tensor pred, Tensor truth, Tensor flow, Tensor valid)
    {
        var t = TcamLoss.Compute(pred, truth, flow, valid);
        return t with { Total = t.L1 + t.Temporal * TemporalWeight + t.Ssim * PerceptualWeight };
    }
}
