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
    /// and keeps no reference (a video render then stops allocating a fresh output per frame). Each distinct array goes
    /// back once, and none in <paramref name="keep"/> (inputs a method may have returned as its output). The result is
    /// unusable after.
    /// </summary>
    public void Recycle(IEnumerable<float[]>? keep = null)
    {
        var seen = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        if (keep is not null) seen.UnionWith(keep);
        foreach (var plane in new[] { Hdr.Data, SaturationMask?.Data, Confidence?.Data })
            if (plane is not null && seen.Add(plane)) Scratch.Return(plane);
    }
}
