using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Training;

/// <summary>Horizontal/vertical flips of planar images; a flow's dx (channel 0) or dy (channel 1) changes sign with them.</summary>
public static class ImageFlips
{
    public static ImageF Flip(ImageF img, bool horizontal, bool vertical, bool isFlow = false)
    {
        if (!horizontal && !vertical) return img;
        int w = img.Width, h = img.Height;
        var o = new ImageF(w, h, img.Channels);
        for (int c = 0; c < img.Channels; c++)
        {
            float sign = isFlow && ((c == 0 && horizontal) || (c == 1 && vertical)) ? -1f : 1f;
            for (int y = 0; y < h; y++)
            {
                int sy = vertical ? h - 1 - y : y;
                for (int x = 0; x < w; x++)
                    o[c, y, x] = sign * img[c, sy, horizontal ? w - 1 - x : x];
            }
        }
        return o;
    }
}
