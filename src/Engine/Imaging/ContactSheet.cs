namespace HdrOfx.Engine.Imaging;

/// <summary>Lays display-encoded images ([0,1], same size) out in a grid with a dark gutter, for previews.</summary>
public static class ContactSheet
{
    public static ImageF Compose(IReadOnlyList<IReadOnlyList<ImageF>> rows, int gutter = 4, float background = 0.08f)
    {
        if (rows.Count == 0 || rows[0].Count == 0) throw new ArgumentException("a contact sheet needs at least one image");
        int w = rows[0][0].Width, h = rows[0][0].Height, cols = rows.Max(r => r.Count);
        var sheet = new ImageF(cols * w + (cols + 1) * gutter, rows.Count * h + (rows.Count + 1) * gutter, 3);
        Array.Fill(sheet.Data, background);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
            {
                var img = rows[r][c];
                if (img.Width != w || img.Height != h) throw new ArgumentException($"contact sheet image ({r},{c}) is {img.Width}x{img.Height}, expected {w}x{h}");
                int ox = gutter + c * (w + gutter), oy = gutter + r * (h + gutter);
                for (int ch = 0; ch < 3; ch++)
                    for (int y = 0; y < h; y++)
                        img.Row(Math.Min(ch, img.Channels - 1), y).CopyTo(sheet.Row(ch, oy + y).Slice(ox, w));
            }
        return sheet;
    }

    /// <summary>An exposure (stops) that puts the median luminance of a scene-linear image at 0.18.</summary>
    public static float AutoExposure(ImageF linear)
    {
        var lum = new float[linear.PlaneSize];
        for (int i = 0; i < lum.Length; i++)
            lum[i] = 0.2126f * linear.Data[i] + 0.7152f * linear.Data[linear.PlaneSize + i] + 0.0722f * linear.Data[2 * linear.PlaneSize + i];
        Array.Sort(lum);
        float median = lum[lum.Length / 2];
        return median > 0 ? MathF.Log2(0.18f / median) : 0f;
    }
}
