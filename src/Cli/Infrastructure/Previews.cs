using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Png;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>Contact sheets: LDR input as recorded, HDR columns through one shared preview exposure.</summary>
public static class Previews
{
    /// <param name="hdrColumns">Scene-linear frames per column (indexed by frame).</param>
    public static void WriteSheet(string path, IReadOnlyList<ImageF> ldr, IReadOnlyList<IReadOnlyList<ImageF>> hdrColumns,
        IReadOnlyList<ImageF> truth, IReadOnlyList<int> frames)
    {
        float ev = ContactSheet.AutoExposure(truth[frames[frames.Count / 2]]);
        var rows = new List<IReadOnlyList<ImageF>>();
        foreach (int t in frames)
        {
            var row = new List<ImageF> { ldr[t] };
            foreach (var col in hdrColumns) row.Add(Tonemap.Preview(col[t], ev));
            row.Add(Tonemap.Preview(truth[t], ev));
            rows.Add(row);
        }
        PngWriter.Write(path, ContactSheet.Compose(rows), 8);
    }
}
