using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.Training.Ldm;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// A picture of recovered highlights: `single` | `hdr-ldm` | truth of one frame, tonemapped with one shared exposure
/// per row. Top row: the scene's exposure (median luminance of the truth at 0.18); bottom row: the highlights'
/// exposure, which puts the truth's 99th percentile over the clipped pixels at 0.5 on the preview curve's input,
/// so what lies above the clip point is visible and not white.
/// </summary>
public static class HighlightPictures
{
    public static void Write(string path, LdmPicture p)
    {
        float scene = ContactSheet.AutoExposure(p.Truth);
        float highlights = HighlightExposure(p.Truth, p.Clipped);
        var rows = new[] { scene, highlights }
            .Select(ev => (IReadOnlyList<ImageF>)new[] { p.Single, p.HdrLdm, p.Truth }.Select(img => Tonemap.Preview(img, ev)).ToArray())
            .ToArray();
        PngWriter.Write(path, ContactSheet.Compose(rows), 8);
    }

    /// <summary>Stops that bring the 99th percentile of the truth's maximum channel over the clipped pixels to 0.5.</summary>
    public static float HighlightExposure(ImageF truth, bool[] clipped)
    {
        int n = truth.PlaneSize;
        var v = new List<float>();
        for (int i = 0; i < n; i++)
            if (clipped[i]) v.Add(MathF.Max(truth.Data[i], MathF.Max(truth.Data[n + i], truth.Data[2 * n + i])));
        if (v.Count == 0) return ContactSheet.AutoExposure(truth);
        v.Sort();
        float p99 = v[Math.Min(v.Count - 1, (int)(0.99 * v.Count))];
        return p99 > 0 ? MathF.Log2(0.5f / p99) : 0f;
    }
}
