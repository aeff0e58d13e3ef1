using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Video;

/// <summary>Turns scene-linear BT.709 frames into the display-encoded values a <see cref="FfmpegVideoWriter"/> expects, and back.</summary>
public static class VideoFrameEncoding
{
    /// <summary>
    /// Scene-linear BT.709 RGB (1.0 = reference white) → encoded values in [0,1] for <paramref name="transfer"/>:
    /// PQ and HLG convert the primaries to BT.2020 first and put reference white at <paramref name="referenceWhiteNits"/> (PQ)
    /// or 75 % signal (HLG), per ITU-R BT.2408; BT.709 uses the BT.709 OETF and sRGB the sRGB curve, clipping above 1.0.
    /// Alpha (4th channel) is copied, clamped to [0,1].
    /// </summary>
    public static ImageF Encode(ImageF sceneLinear, VideoTransfer transfer, double referenceWhiteNits = HdrEncoding.DefaultReferenceWhiteNits)
    {
        ArgumentNullException.ThrowIfNull(sceneLinear);
        if (sceneLinear.Channels < 3) throw new ArgumentException($"need RGB, got {sceneLinear.Channels} channel(s)", nameof(sceneLinear));
        var img = sceneLinear.Clone();
        int colour = 3 * img.PlaneSize;
        var rgb = img.Data.AsSpan(0, colour);
        switch (transfer)
        {
            case VideoTransfer.Pq:
                HdrEncoding.ConvertBt709ToBt2020(img);
                HdrEncoding.PqFromLinear(rgb, rgb, referenceWhiteNits);
                break;
            case VideoTransfer.Hlg:
                HdrEncoding.ConvertBt709ToBt2020(img);
                HdrEncoding.HlgFromLinear(rgb, rgb);
                break;
            case VideoTransfer.Srgb:
                TransferFunctions.FromLinear(TransferFunction.Srgb, rgb);
                break;
            default:
                TransferFunctions.FromLinear(TransferFunction.Rec709, rgb);
                break;
        }
        foreach (ref float v in img.Data.AsSpan()) v = v > 0f ? MathF.Min(v, 1f) : 0f;
        return img;
    }
}
