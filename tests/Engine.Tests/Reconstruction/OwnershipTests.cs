using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Reconstruction;

/// <summary>The ownership contract of <see cref="IReconstructionMethod"/>: inputs stay the caller's, results own their planes.</summary>
[NonParallelizable]
public class OwnershipTests
{
    /// <summary>Breaks the contract: hands the reference frame back as its result.</summary>
    private sealed class ReturnsInput : IReconstructionMethod
    {
        public string Name => "returns-input";

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel) =>
            new(frames[refIndex]!.Linear);
    }

    [OneTimeSetUp]
    public void Register()
    {
        HdrOfx.Engine.Classical.ClassicalMethods.Register();
        Reconstructor.Register("returns-input", () => new ReturnsInput());
    }

    /// <summary>Frames of a smooth radiance field with bright columns, panning 2 px a frame, exposed at each EV and clipped at 1.</summary>
    private static FrameInput?[] Frames(int w, int h, params double[] evs) =>
        evs.Select((ev, k) => (FrameInput?)new FrameInput(Exposed(w, h, ev, 2 * k), ev)).ToArray();

    private static ImageF Exposed(int w, int h, double ev, int dx)
    {
        var img = new ImageF(w, h, 3);
        float e = (float)Math.Pow(2, ev);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int px = x + dx;
                    float radiance = 0.3f * (1.2f + MathF.Sin(px * 0.21f + c) * MathF.Cos(y * 0.17f)) + (px % 23 == 0 ? 3f : 0f);
                    img[c, y, x] = MathF.Min(1f, radiance * e);
                }
        return img;
    }

    [Test]
    public void A_method_that_returns_an_input_plane_is_rejected_and_the_input_survives()
    {
        var frames = Frames(2, 2, -1, 1, -1);
        var before = (float[])frames[1]!.Linear.Data.Clone();
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "returns-input" }));
        Assert.That(ex!.Message, Does.Contain("returns-input").And.Contain("input frame's buffer"));
        Assert.That(frames[1]!.Linear.Data, Is.EqualTo(before), "the input is untouched and still usable");
    }

    [TestCase("classical")]
    [TestCase("noalign")]
    [TestCase("single")]
    public void Disposing_a_result_gives_its_pooled_planes_back_and_leaves_the_inputs_alone(string method)
    {
        Scratch.Clear();
        var frames = Frames(64, 48, -1, 1, -1);
        var inputs = frames.Select(f => (float[])f!.Linear.Data.Clone()).ToArray();
        var result = Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = method, Diagnostics = true });
        var hdr = result.Hdr.Data;
        Assert.That(result.Hdr.Pooled, Is.True, "the output comes from the pool, so a render stops allocating one per frame");
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = result.Hdr.Data);
        Assert.That(Scratch.Rent(hdr.Length), Is.SameAs(hdr), "the HDR plane went back to the pool");
        for (int i = 0; i < frames.Length; i++)
            Assert.That(frames[i]!.Linear.Data, Is.EqualTo(inputs[i]), $"input {i} is unchanged and still owned by the caller");
        Scratch.Clear();
    }

    [Test]
    public void Classical_under_pool_checks_gives_the_same_pixels_and_no_use_after_return()
    {
        var frames = Frames(96, 64, -1, 1, -1);
        using var plain = Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "classical", Diagnostics = true });
        var expected = (float[])plain.Hdr.Data.Clone();
        bool was = Scratch.Checks;
        try
        {
            Scratch.Checks = true;
            for (int rep = 0; rep < 3; rep++) // later frames rent what earlier ones returned, and verify it untouched
            {
                using var checkedResult = Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "classical", Diagnostics = true });
                Assert.That(checkedResult.Hdr.Data, Is.EqualTo(expected), $"repetition {rep}");
            }
        }
        finally
        {
            Scratch.Checks = was;
        }
    }
}
