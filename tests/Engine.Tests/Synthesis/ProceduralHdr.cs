using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Tests.Synthesis;

/// <summary>Procedural scene-linear test images: horizontally periodic (like an equirectangular panorama).</summary>
internal static class ProceduralHdr
{
    /// <summary>
    /// Smooth multi-octave value noise (periodic in x) on a sky-to-ground gradient, with colour variation, and
    /// <paramref name="suns"/> small Gaussian spots of 100–1000× the median so exposures clip.
    /// </summary>
    public static ImageF Panorama(int w, int h, int seed, int suns = 3, double scale = 1.0)
    {
        var img = new ImageF(w, h, 3);
        var octaves = new[] { (cell: 32, amp: 0.5), (cell: 16, amp: 0.3), (cell: 8, amp: 0.2) };
        var lattices = octaves.Select((o, k) => Lattice(w / o.cell, h / o.cell + 2, seed * 31 + k)).ToArray();
        var tint = Lattice(w / 64 + 1, h / 64 + 3, seed * 17 + 99);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double n = 0;
                for (int k = 0; k < octaves.Length; k++) n += octaves[k].amp * Sample(lattices[k], x / (double)octaves[k].cell, y / (double)octaves[k].cell);
                double sky = 0.3 + 1.2 * (1 - y / (double)h);
                double lum = sky * (0.15 + 1.7 * n * n);
                double t = Sample(tint, x / 64.0, y / 64.0);
                img[0, y, x] = (float)(scale * lum * (0.8 + 0.4 * t));
                img[1, y, x] = (float)(scale * lum);
                img[2, y, x] = (float)(scale * lum * (1.2 - 0.4 * t));
            }
        var rng = new SynthRandom((ulong)seed);
        for (int s = 0; s < suns; s++)
        {
            double cx = rng.NextDouble() * w, cy = h * (0.1 + 0.5 * rng.NextDouble());
            double amp = scale * (100 + 900 * rng.NextDouble()) * 0.5, rad = 1.5 + 2 * rng.NextDouble();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dx = Math.Abs(x - cx); dx = Math.Min(dx, w - dx);
                    double g = Math.Exp(-(dx * dx + (y - cy) * (y - cy)) / (2 * rad * rad));
                    if (g < 1e-6) continue;
                    for (int c = 0; c < 3; c++) img[c, y, x] += (float)(amp * g);
                }
        }
        return img;
    }

    public static ImageF Flat(int w, int h, float value)
    {
        var img = new ImageF(w, h, 3);
        Array.Fill(img.Data, value);
        return img;
    }

    private static double[,] Lattice(int nx, int ny, int seed)
    {
        var rng = new SynthRandom((ulong)seed);
        var l = new double[Math.Max(nx, 1), Math.Max(ny, 1)];
        for (int i = 0; i < l.GetLength(0); i++)
            for (int j = 0; j < l.GetLength(1); j++) l[i, j] = rng.NextDouble();
        return l;
    }

    /// <summary>Smoothstep-interpolated lattice value, periodic in x, clamped in y.</summary>
    private static double Sample(double[,] l, double fx, double fy)
    {
        int nx = l.GetLength(0), ny = l.GetLength(1);
        int x0 = (int)Math.Floor(fx), y0 = (int)Math.Floor(fy);
        double tx = fx - x0, ty = fy - y0;
        tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty);
        int xa = ((x0 % nx) + nx) % nx, xb = (xa + 1) % nx;
        int ya = Math.Clamp(y0, 0, ny - 1), yb = Math.Clamp(y0 + 1, 0, ny - 1);
        double a = l[xa, ya] + tx * (l[xb, ya] - l[xa, ya]);
        double b = l[xa, yb] + tx * (l[xb, yb] - l[xa, yb]);
        return a + ty * (b - a);
    }

    /// <summary>Bilinear backward warp: out(p) = img(p + flow(p)), clamped at the borders.</summary>
    public static ImageF Warp(ImageF img, ImageF flow)
    {
        int w = img.Width, h = img.Height;
        var o = new ImageF(w, h, img.Channels);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sx = Math.Clamp(x + flow[0, y, x], 0, w - 1), sy = Math.Clamp(y + flow[1, y, x], 0, h - 1);
                int x0 = Math.Min((int)sx, w - 2), y0 = Math.Min((int)sy, h - 2);
                float tx = (float)(sx - x0), ty = (float)(sy - y0);
                for (int c = 0; c < img.Channels; c++)
                {
                    float a = img[c, y0, x0] + tx * (img[c, y0, x0 + 1] - img[c, y0, x0]);
                    float b = img[c, y0 + 1, x0] + tx * (img[c, y0 + 1, x0 + 1] - img[c, y0 + 1, x0]);
                    o[c, y, x] = a + ty * (b - a);
                }
            }
        return o;
    }
}
