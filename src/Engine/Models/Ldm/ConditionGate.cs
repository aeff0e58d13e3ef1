using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// Where the decoder's condition branch stays open: 1 − α, with α the soft over-exposure mask of
/// <see cref="SoftClipMask"/> computed from the condition itself (the μ-law is monotonic, so the channels' maximum
/// in the domain is that of the linear values). The coarser scales take the maximum of α over each block, so a block
/// that holds one clipped pixel is closed.
/// </summary>
public static class ConditionGate
{
    /// <summary>The open fraction at full, 1/2 and 1/4 resolution, [B, 1, H/s, W/s], for a condition [B, 3, H, W].</summary>
    public static (Tensor Full, Tensor Half, Tensor Quarter) Of(Tensor condition)
    {
        var alpha = Alpha(condition);
        return (Open(alpha), Open(alpha.MaxPool2d(2)), Open(alpha.MaxPool2d(4)));
    }

    /// <summary>α of <see cref="SoftClipMask"/>, [B, 1, H, W], for a condition [B, 3, H, W] in the domain.</summary>
    public static Tensor Alpha(Tensor condition)
    {
        var m = Tensor.Maximum(Tensor.Maximum(condition.Narrow(1, 0, 1), condition.Narrow(1, 1, 1)), condition.Narrow(1, 2, 1));
        var v = MuLawDomain.Inverse(m, LdmDomain.ClipScale).Clamp(0f, 1f);
        return ((v.Pow(1f / 2.2f).AddScalar(-SoftClipMask.Threshold)) * (1f / (1f - SoftClipMask.Threshold))).Clamp(0f, 1f);
    }

    private static Tensor Open(Tensor alpha) => (alpha * -1f).AddScalar(1f);
}
