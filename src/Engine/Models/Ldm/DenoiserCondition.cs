using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// What the denoiser is conditioned on, [B, <see cref="LdmConfig.ConditionChannels"/>, H/4, W/4]: the LDR condition's
/// latent E(c) (hdr-v-diff §3.1: "the LDR frame is directly fed into the encoder") followed by the mean and the
/// maximum of c over each latent pixel's 4×4 block. The pooled planes are our addition: the decoder sees c itself
/// (<see cref="LatentAutoencoder"/>), so E(c) need not carry where the frame clipped and what surrounds it, and the
/// denoiser needs exactly that to place the radiance above the clip point.
/// </summary>
public static class DenoiserCondition
{
    /// <param name="condition">c, [B, 3, H, W] with H, W multiples of 4.</param>
    /// <param name="tiled">Encode in tiles (<see cref="AutoencoderTiles"/>; batch 1): the same values with less memory.</param>
    public static Tensor Build(LatentAutoencoder ae, Tensor condition, bool tiled = false)
    {
        var latent = tiled ? AutoencoderTiles.Encode(ae, condition) : ae.Encode(condition);
        return Tensor.Concat(new[] { latent, condition.AvgPool2d(LdmConfig.Down), condition.MaxPool2d(LdmConfig.Down) }, 1);
    }
}
