using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Tests.IO.Exr;

internal static class ExrTestImages
{
    /// <summary>Deterministic HDR-like content: smooth gradients times a wide dynamic range, some noise,
    /// a few zeros, negatives and large values, and alpha in [0,1].</summary>
    public static ImageF Make(int w, int h, int channels, int seed = 1)
    {
        var rng = new Random(seed);
        var img = new ImageF(w, h, channels);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float v;
                    if (channels == 4 && c == 3) v = (float)rng.NextDouble();
                    else
                    {
                        double smooth = (x + 1.0) / w * (y + 2.0) / h * (c + 1);
                        double range = Math.Pow(2, -12 + 26.0 * ((x * 7 + y * 3 + c) % 97) / 96.0);
                        v = (float)(smooth * range * (0.8 + 0.4 * rng.NextDouble()));
                        int k = (x + y * w + c) % 211;
                        if (k == 0) v = 0;
                        else if (k == 1) v = -v;
                        else if (k == 2) v = 60000f;
                    }
                    img[c, y, x] = v;
                }
        return img;
    }

    public static float ToHalf(float v) => (float)(Half)v;

    public static TempDir NewTempDir() => new();
}

internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hdrofx-exr-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
