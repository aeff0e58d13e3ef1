using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Modulated deformable convolution block, DCNv2 (Zhu et al. 2019), as TCAM's middle scale uses it
/// (hdr-v-diff §3.2): a 3×3 conv on the guidance features (e.g. neighbour and reference features concatenated)
/// predicts per-tap offsets (Δy, Δx) and a modulation mask m = σ(·); the main k×k conv then samples x at the
/// shifted positions and weighs each tap by m. The offset/mask conv starts at zero (DCNv2's init), so at
/// initialization the block is a plain convolution with every tap weighed by σ(0) = ½.
/// Children "conv_offset" (outputs 3·G·k² channels: 2·G·k² offsets then G·k² mask logits); parameters "weight", "bias".
/// </summary>
public sealed class DeformableConvBlock : Module
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int DeformGroups { get; }
    public DeformConv2dParams Params { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public Conv2d ConvOffset { get; }

    /// <param name="guideChannels">Channels of the features the offsets are predicted from (default: inChannels).</param>
    public DeformableConvBlock(int inChannels, int outChannels, int kernelSize, Rng rng, int guideChannels = 0, int deformGroups = 1, int padding = -1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"DeformableConvBlock({inChannels}, {outChannels}, k={kernelSize}): sizes must be positive");
        if (deformGroups <= 0 || inChannels % deformGroups != 0) throw new ArgumentException($"DeformableConvBlock: {inChannels} channels not divisible into {deformGroups} deformable groups");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; DeformGroups = deformGroups;
        Params = DeformConv2dParams.Create(1, padding < 0 ? kernelSize / 2 : padding, 1, deformGroups);
        Weight = RegisterParameter("weight", Tensor.Empty(outChannels, inChannels, kernelSize, kernelSize));
        Init.KaimingUniform(Weight, rng);
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty(outChannels));
            Init.BiasUniform(Bias, rng, inChannels * kernelSize * kernelSize);
        }
        int taps = deformGroups * kernelSize * kernelSize;
        ConvOffset = RegisterModule("conv_offset", new Conv2d(guideChannels > 0 ? guideChannels : inChannels, 3 * taps, 3, rng, padding: 1));
        ConvOffset.Weight.Span.Clear();
        ConvOffset.Bias!.Span.Clear();
    }

    /// <summary>Offsets and mask predicted from x itself.</summary>
    public override Tensor Forward(Tensor x) => Forward(x, x);

    /// <summary>Samples <paramref name="x"/> with offsets and mask predicted from <paramref name="guide"/> (same H, W as the output).</summary>
    public Tensor Forward(Tensor x, Tensor guide)
    {
        if (x.Rank != 4 || x.Shape[1] != InChannels) throw new ArgumentException($"DeformableConvBlock: input {Tensor.ShapeString(x.Shape)} is not [N, {InChannels}, H, W]");
        int taps = DeformGroups * KernelSize * KernelSize;
        var om = ConvOffset.Forward(guide);
        var parts = om.Split(new[] { 2 * taps, taps }, 1);
        return Tensor.DeformConv2d(x, parts[0], parts[1].Sigmoid(), Weight, Bias, Params);
    }

    public override string TypeName => $"DeformableConvBlock({InChannels}, {OutChannels}, k={KernelSize}, dg={DeformGroups})";
}
