using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>Tiled inference (TcamNet.InferenceTile) gives the whole-image pass's values.</summary>
public class TcamTilingTests
{
    /// <summary>Every parameter random (DCN offsets and the head included), so every layer moves the result.</summary>
    private static TcamNet RandomNet(TcamConfig cfg, ulong seed)
    {
        var net = new TcamNet(cfg, new Rng(seed));
        var rng = new Rng(seed + 100);
        using (GradMode.NoGrad())
            foreach (var p in net.Parameters())
            {
                using var r = Tensor.Randn(rng, p.Shape, 0.3f);
                p.CopyFrom(r);
            }
        return net;
    }

    // config, B, K, H, W, tile
    [TestCase("tiny", 1, 2, 44, 52, 16)]
    [TestCase("tiny", 2, 4, 36, 40, 12)]
    [TestCase("compact", 1, 2, 40, 72, 20)]
    [TestCase("compact", 1, 4, 48, 28, 8)]
    public void TiledInferenceEqualsTheWholeImage(string config, int b, int k, int h, int w, int tile)
    {
        using var net = RandomNet(TcamConfig.Parse(config), 7);
        using var noGrad = GradMode.NoGrad();
        using var scope = new TensorScope();
        var rng = new Rng(3);
        var batch = new TcamBatch(Tensor.Rand(rng, b, 6, h, w), Tensor.Rand(rng, k * b, 6, h, w), Tensor.Randn(rng, new[] { k * b, 2, h, w }, 3f),
            Tensor.Rand(rng, b, 4, h, w), k);
        net.InferenceTile = 0;
        var whole = net.Residual(batch).ToArray();
        net.InferenceTile = tile;
        var tiled = net.Residual(batch).ToArray();
        double maxAbs = 0, maxRes = 0;
        for (int i = 0; i < whole.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(whole[i] - tiled[i]));
            maxRes = Math.Max(maxRes, Math.Abs(whole[i]));
        }
        TestContext.Out.WriteLine($"{config} B={b} K={k} {w}x{h} tile {tile}: max |tiled − whole| = {maxAbs:G3}, max |r| = {maxRes:G3}");
        Assert.That(maxRes, Is.GreaterThan(1e-3), "the random model must produce a residual");
        Assert.That(tiled, Is.EqualTo(whole), "bit for bit");
    }
}
