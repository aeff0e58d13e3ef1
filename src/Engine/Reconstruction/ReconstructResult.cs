using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// Scene-linear HDR (3 channels) in the units of EV 0, plus optional diagnostics:
/// <see cref="SaturationMask"/> (1 channel, 1 = reference clipped or too dark to trust) and
/// <see cref="Confidence"/> (1 channel, 0..1, how much the merge trusted the aligned neighbours).
/// </summary>
public sealed record ReconstructResult(ImageF Hdr, ImageF? SaturationMask = null, ImageF? Confidence = null)
{
    /// <summary>
    /// Hands the planes to <see cref="Scratch"/> for the next frame's reconstruction, once the caller has written them
    /// and keeps no reference (a video render then stops allocating a fresh output per frame). The result is unusable after.
    /// </summary>
    public void Recycle()
    {
        Scratch.Return(Hdr.Data);
        if (SaturationMask is not null && !ReferenceEquals(SaturationMask.Data, Hdr.Data)) Scratch.Return(SaturationMask.Data);
        if (Confidence is not null && !ReferenceEquals(Confidence.Data, Hdr.Data) && !ReferenceEquals(Confidence.Data, SaturationMask?.Data))
            Scratch.Return(Confidence.Data);
    }
}
