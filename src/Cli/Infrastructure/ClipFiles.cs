using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// The on-disk layout of a synthetic clip:
/// ldr/frame.%04d.png (what the camera recorded; 16-bit PNG when the clip has more than 8 bits),
/// gt/frame.%04d.exr (float, scene-linear in EV-0 units), flow/ref%04d_to%04d.exr (R = dx, G = dy, B = validity),
/// manifest.json.
/// </summary>
public static class ClipFiles
{
    public const string LdrPattern = "ldr/frame.%04d.png", GtPattern = "gt/frame.%04d.exr";

    public static void Write(SyntheticClip clip, string dir)
    {
        foreach (var sub in new[] { "ldr", "gt" }) Directory.CreateDirectory(Path.Combine(dir, sub));
        int bits = clip.Manifest.BitDepth > 8 ? 16 : 8;
        for (int t = 0; t < clip.FrameCount; t++)
        {
            PngWriter.Write(Path.Combine(dir, $"ldr/frame.{t:0000}.png"), clip.Ldr[t], bits);
            ExrWriter.Write(Path.Combine(dir, $"gt/frame.{t:0000}.exr"), clip.Hdr[t], ExrPixelType.Float, ExrCompression.Zip);
        }
        if (clip.FlowPairs.Count > 0)
        {
            Directory.CreateDirectory(Path.Combine(dir, "flow"));
            foreach (var (r, o) in clip.FlowPairs)
            {
                var (flow, valid) = clip.GroundTruthFlowAndValidity(r, o);
                var packed = new ImageF(flow.Width, flow.Height, 3);
                flow.Plane(0).CopyTo(packed.Plane(0));
                flow.Plane(1).CopyTo(packed.Plane(1));
                valid.Plane(0).CopyTo(packed.Plane(2));
                ExrWriter.Write(Path.Combine(dir, $"flow/ref{r:0000}_to{o:0000}.exr"), packed, ExrPixelType.Float, ExrCompression.Zip);
            }
        }
        AtomicFile.WriteText(Path.Combine(dir, "manifest.json"), clip.Manifest.ToJson());
    }
}
