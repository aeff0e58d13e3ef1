namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The initial noise of flicker-free sampling (DESIGN §5): a standard normal value that is a fixed function of
/// (seed, channel, row, column) in the frame's latent grid — not of the frame, its time or the tile it is processed
/// in — so a still scene renders identically frame after frame and a tile sees the same noise as the whole frame.
/// SplitMix64 hashing and Box–Muller.
/// </summary>
public static class PositionalNoise
{
    public static float At(ulong seed, int channel, int y, int x)
    {
        ulong key = seed ^ ((ulong)(uint)channel << 58) ^ ((ulong)(uint)y << 29) ^ (uint)x;
        ulong a = Mix(key), b = Mix(key ^ 0xD1B54A32D192ED03UL);
        double u1 = ((a >> 11) + 1.0) * (1.0 / 9007199254740992.0); // (0, 1]
        double u2 = (b >> 11) * (1.0 / 9007199254740992.0);
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>[channels, h, w] planes for the latent window whose top-left latent pixel is (x0, y0).</summary>
    public static float[] Window(ulong seed, int channels, int x0, int y0, int w, int h)
    {
        var n = new float[channels * h * w];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    n[(c * h + y) * w + x] = At(seed, c, y0 + y, x0 + x);
        return n;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
