using System.Globalization;
using System.Text;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Plugin.Tests.HostSupport;

/// <summary>
/// Portable float maps (RGB, little-endian), the format ofxhostrun reads and writes. The file holds its rows bottom
/// first, as OFX does; <see cref="Read"/> returns a planar image with the top row first, as the engine and the CLI hold it.
/// </summary>
public static class Pfm
{
    public static ImageF Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)bytes[pos])) pos++;
            int start = pos;
            while (!char.IsWhiteSpace((char)bytes[pos])) pos++;
            return Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        if (Token() != "PF") throw new InvalidDataException($"{path}: not an RGB PFM");
        int w = int.Parse(Token(), CultureInfo.InvariantCulture), h = int.Parse(Token(), CultureInfo.InvariantCulture);
        if (double.Parse(Token(), CultureInfo.InvariantCulture) >= 0) throw new InvalidDataException($"{path}: big-endian PFM");
        pos++;
        var img = new ImageF(w, h, 3);
        for (int fileRow = 0; fileRow < h; fileRow++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    img[c, h - 1 - fileRow, x] = BitConverter.ToSingle(bytes, pos + ((fileRow * w + x) * 3 + c) * 4);
        return img;
    }

    public static void Write(string path, ImageF img)
    {
        using var f = File.Create(path);
        f.Write(Encoding.ASCII.GetBytes($"PF\n{img.Width} {img.Height}\n-1.0\n"));
        var row = new byte[img.Width * 12];
        for (int fileRow = 0; fileRow < img.Height; fileRow++)
        {
            for (int x = 0; x < img.Width; x++)
                for (int c = 0; c < 3; c++)
                    BitConverter.TryWriteBytes(row.AsSpan((x * 3 + c) * 4), img[c, img.Height - 1 - fileRow, x]);
            f.Write(row);
        }
    }
}
