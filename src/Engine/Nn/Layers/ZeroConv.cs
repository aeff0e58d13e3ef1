using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// 1×1 convolution with weight and bias initialized to zero (ControlNet's "zero convolution"), used by ZiCA
/// (hdr-v-diff §3.3, Eq. 6): F_out = F_t + λ·ZeroConv(CrossAttn(...)). At initialization the branch adds
/// exactly nothing, so the pretrained path is undisturbed; the gradient w.r.t. the weight is still non-zero.
/// </summary>
public sealed class ZeroConv : Conv2d
{
    public ZeroConv(int inChannels, int outChannels, Rng rng) : base(inChannels, outChannels, 1, rng)
    {
        Weight.Span.Clear();
        Bias!.Span.Clear();
    }

    public override string TypeName => $"ZeroConv({InChannels}, {OutChannels})";
}
