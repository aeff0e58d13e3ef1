using HdrOfx.Engine.Imaging;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// A procedural HDR scene with a moving bright square, exposed frame by frame at the pattern's EVs
/// (timeline frame n holds slot (n + phase) mod length), clipped to [0, 1] and sRGB-encoded.
/// Alpha varies across the frame so alpha passthrough is visible.
/// </summary>
public sealed class SyntheticClip
{
    public int Width { get; init; } = 48;
    public int Height { get; init; } = 32;
    public int Frames { get; init; } = 12;
    public double[] Evs { get; init; } = [-2, 0];
    public int Phase { get; init; }
    public TransferFunction Transfer { get; init; } = TransferFunction.Srgb;

    public int SlotOf(int frame) => (frame + Phase) % Evs.Length;

    /// <summary>Scene radiance (RGB, EV 0 units) of frame f.</summary>
    public float[] Radiance(int f)
    {
        var h = new float[Width * Height * 3];
        int sx = 4 + 2 * f, sy = 6 + f;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int i = (y * Width + x) * 3;
                bool sq = x >= sx && x < sx + 8 && y >= sy && y < sy + 8;
                h[i] = sq ? 6f : 0.02f + 1.5f * x / Width;
                h[i + 1] = sq ? 5f : 0.05f + 1.0f * y / Height;
                h[i + 2] = sq ? 4f : 0.3f + 0.2f * ((x / 4 + y / 4) % 2);
            }
        return h;
    }

    /// <summary>Encoded RGBA frame f as the camera recorded it.</summary>
    public float[] Encoded(int f)
    {
        var h = Radiance(f);
        float gain = (float)Math.Pow(2, Evs[SlotOf(f)]);
        var o = new float[Width * Height * 4];
        for (int p = 0; p < Width * Height; p++)
        {
            for (int c = 0; c < 3; c++)
                o[p * 4 + c] = TransferFunctions.FromLinear(Transfer, Math.Clamp(h[p * 3 + c] * gain, 0f, 1f));
            o[p * 4 + 3] = 0.25f + 0.5f * ((p % Width) % 3) / 2f;
        }
        return o;
    }

    public FrameSource Source(string depth = OfxValues.BitDepthFloat, string components = OfxValues.ComponentRGBA)
    {
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<int, float[]>();
        return new FrameSource
        {
            Width = Width, Height = Height, First = 0, Last = Frames - 1,
            Frame = f => cache.GetOrAdd(f, Encoded),
            Depth = depth, Components = components,
        };
    }
}
