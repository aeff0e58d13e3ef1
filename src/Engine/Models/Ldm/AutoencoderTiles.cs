using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The autoencoder run tile by tile, so that a 1080p frame never holds its full-resolution 16-channel activations at
/// once. The autoencoder is convolutions and point-wise activations only, so a tile read with a margin at least as
/// wide as the receptive field's radius gives the interior
/// exactly the values of the whole-frame pass; tiles and margins sit on the ×4 grid, so strides and upsampling line up.
/// Receptive-field radii: encoder 28 pixels; decoder 7.25 latent pixels (its condition branch 1 latent pixel).
/// </summary>
public static class AutoencoderTiles
{
    public const int EncodeTile = 256, EncodeMargin = 32, DecodeTile = 96, DecodeMargin = 8;

    /// <summary>[1, 3, H, W] (multiples of 4) → the latent [1, 4, H/4, W/4], as <see cref="LatentAutoencoder.Encode"/>.</summary>
    public static Tensor Encode(LatentAutoencoder ae, Tensor x, int tile = EncodeTile, int margin = EncodeMargin) =>
        Run(x, null, LdmConfig.LatentChannels, tile, margin, up: false, (t, _) => ae.Encode(t));

    /// <summary>
    /// The latent [1, 4, h, w] and the condition [1, 3, 4h, 4w] → the image [1, 3, 4h, 4w], as
    /// <see cref="LatentAutoencoder.Decode"/>'s Image; tile and margin in latent pixels.
    /// </summary>
    public static Tensor DecodeImage(LatentAutoencoder ae, Tensor z, Tensor condition, int tile = DecodeTile, int margin = DecodeMargin) =>
        Run(z, condition, 3, tile, margin, up: true, (t, c) => ae.Decode(t, c!).Image);

    /// <param name="side">An input at the output's scale (the decoder's condition), cut to the tile's output region.</param>
    private static Tensor Run(Tensor input, Tensor? side, int outChannels, int tile, int margin, bool up, Func<Tensor, Tensor?, Tensor> f)
    {
        if (input.Rank != 4 || input.Shape[0] != 1) throw new ArgumentException($"tiled autoencoder needs [1, C, H, W], got {Tensor.ShapeString(input.Shape)}");
        int step = up ? 1 : LdmConfig.Down;
        if (tile <= 0 || margin < 0 || tile % step != 0 || margin % step != 0) throw new ArgumentException($"tile {tile} and margin {margin} must be positive multiples of {step}");
        int h = input.Shape[2], w = input.Shape[3];
        int oh = up ? h * LdmConfig.Down : h / LdmConfig.Down, ow = up ? w * LdmConfig.Down : w / LdmConfig.Down;
        var output = new float[outChannels * oh * ow];
        for (int y0 = 0; y0 < h; y0 += tile)
            for (int x0 = 0; x0 < w; x0 += tile)
            {
                using var scope = new TensorScope();
                int y1 = Math.Min(h, y0 + tile), x1 = Math.Min(w, x0 + tile);
                int ry0 = Math.Max(0, y0 - margin), rx0 = Math.Max(0, x0 - margin);
                int ry1 = Math.Min(h, y1 + margin), rx1 = Math.Min(w, x1 + margin);
                var sideTile = side?.Narrow(2, Scale(ry0, up), Scale(ry1 - ry0, up)).Narrow(3, Scale(rx0, up), Scale(rx1 - rx0, up)).Contiguous();
                var tileOut = f(input.Narrow(2, ry0, ry1 - ry0).Narrow(3, rx0, rx1 - rx0).Contiguous(), sideTile).ToArray();
                Place(tileOut, output, outChannels, Scale(ry1 - ry0, up), Scale(rx1 - rx0, up), oh, ow,
                    Scale(y0 - ry0, up), Scale(x0 - rx0, up), Scale(y1 - y0, up), Scale(x1 - x0, up), Scale(y0, up), Scale(x0, up));
            }
        return Tensor.FromArray(output, 1, outChannels, oh, ow);
    }

    private static int Scale(int v, bool up) => up ? v * LdmConfig.Down : v / LdmConfig.Down;

    private static void Place(float[] src, float[] dst, int channels, int sh, int sw, int dh, int dw,
        int srcY, int srcX, int rows, int cols, int dstY, int dstX)
    {
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < rows; r++)
                Array.Copy(src, (c * sh + srcY + r) * sw + srcX, dst, (c * dh + dstY + r) * dw + dstX, cols);
    }
}
