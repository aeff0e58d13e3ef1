using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// The CPU copy's paths against naive indexing: the tiled one for swapped last dims (NCHW ↔ NHWC, views with offsets),
/// and the row walk over short, broadcast rows (a nearest-neighbour 2× upsample through an expanded view).
/// </summary>
public class TransposeCopyTests
{
    private static float[] Iota(int n) => Enumerable.Range(0, n).Select(i => i * 0.5f - 7f).ToArray();

    [TestCase(1, 64, 20, 36)]
    [TestCase(2, 17, 33, 19)]
    [TestCase(3, 16, 16, 16)]
    [TestCase(1, 5, 40, 40)]
    public void Nchw_to_nhwc_and_back_match_naive_indexing(int b, int c, int h, int w)
    {
        var data = Iota(b * c * h * w);
        using var x = Tensor.FromArray(data, b, c, h, w);
        using var nhwc = x.Permute(0, 2, 3, 1).Contiguous();
        var got = nhwc.ToArray();
        for (int n = 0; n < b; n++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    for (int ch = 0; ch < c; ch++)
                        Assert.That(got[((n * h + y) * w + xx) * c + ch], Is.EqualTo(data[((n * c + ch) * h + y) * w + xx]), $"NHWC at {n},{y},{xx},{ch}");
        using var back = nhwc.Permute(0, 3, 1, 2).Contiguous();
        Assert.That(back.ToArray(), Is.EqualTo(data), "NHWC → NCHW restores the input");
    }

    [Test]
    public void A_narrowed_view_with_an_offset_transposes_correctly()
    {
        int c = 24, h = 30, w = 50;
        var data = Iota(c * h * w);
        using var x = Tensor.FromArray(data, 1, c, h, w);
        using var view = x.Narrow(1, 3, 18).Narrow(3, 7, 37);
        using var t = view.Permute(0, 2, 3, 1).Contiguous();
        var got = t.ToArray();
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < 37; xx++)
                for (int ch = 0; ch < 18; ch++)
                    Assert.That(got[(y * 37 + xx) * 18 + ch], Is.EqualTo(data[((ch + 3) * h + y) * w + xx + 7]), $"at {y},{xx},{ch}");
    }

    [Test]
    public void A_plain_two_dimensional_transpose_matches()
    {
        int m = 45, n = 70;
        var data = Iota(m * n);
        using var x = Tensor.FromArray(data, m, n);
        var got = x.Transpose(0, 1).Contiguous().ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                Assert.That(got[i * m + j], Is.EqualTo(data[j * n + i]));
    }

    [TestCase(3, 7, 5)]
    [TestCase(2, 40, 33)]
    public void Short_broadcast_rows_of_an_upsample_match(int c, int h, int w)
    {
        var data = Iota(c * h * w);
        using var x = Tensor.FromArray(data, c, h, 1, w, 1);
        using var up = x.Expand(c, h, 2, w, 2).Contiguous();
        var got = up.ToArray();
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 2 * h; y++)
                for (int xx = 0; xx < 2 * w; xx++)
                    Assert.That(got[(ch * 2 * h + y) * 2 * w + xx], Is.EqualTo(data[(ch * h + y / 2) * w + xx / 2]), $"at {ch},{y},{xx}");
    }
}
