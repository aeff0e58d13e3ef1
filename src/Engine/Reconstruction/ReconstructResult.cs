using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// Scene-linear HDR (3 channels) in the units of EV 0, plus optional diagnostics:
/// <see cref="SaturationMask"/> (1 channel, 1 = reference clipped or too dark to trust) and
/// <see cref="Confidence"/> (1 channel, 0..1, how much the merge trusted the aligned neighbours).
/// The result owns its images (<see cref="IReconstructionMethod"/>): the caller disposes it once the planes are
/// written, which hands pooled planes back to <see cref="Scratch"/> for the next frame (a video render then stops
/// allocating a fresh output per frame). The result is unusable after.
/// </summary>
public sealed record ReconstructResult(ImageF Hdr, ImageF? SaturationMask = null, ImageF? Confidence = null) : IDisposable
{
    public void Dispose()
    {
        Hdr.Dispose();
        SaturationMask?.Dispose();
        Confidence?.Dispose();
    }

    /// <summary>This result with <paramref name="hdr"/> in place of <see cref="Hdr"/>, whose plane goes back to the pool.</summary>
    public ReconstructResult ReplaceHdr(ImageF hdr)
    {
        Hdr.Dispose();
        return this with { Hdr = hdr };
    }

    /// <summary>Whether any plane of this result is, or wraps the buffer of, <paramref name="image"/>.</summary>
    internal bool Shares(ImageF image)
    {
        var d = image.Data;
        return Hdr.Data == d || SaturationMask?.Data == d || Confidence?.Data == d;
    }
}
