using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Reconstruction;

public class SequenceReconstructorTests
{
    /// <summary>Records what it was given and returns the reference's radiance.</summary>
    private sealed class Probe : IReconstructionMethod
    {
        public static readonly List<(int Count, int Ref, double?[] Evs)> Calls = [];
        public string Name => "probe";

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
        {
            lock (Calls) Calls.Add((frames.Count, refIndex, frames.Select(f => f?.Ev).ToArray()));
            var r = frames[refIndex]!;
            var h = r.Linear.Clone();
            float inv = (float)(1 / r.Exposure);
            for (int i = 0; i < h.Data.Length; i++) h.Data[i] *= inv;
            return new ReconstructResult(h);
        }
    }

    [OneTimeSetUp]
    public void Register() => Reconstructor.Register("probe", () => new Probe());

    private static ImageF Encoded(float v, int w = 4, int h = 3) { var i = new ImageF(w, h, 3); Array.Fill(i.Data, v); return i; }

    [Test]
    public void WindowsAreClampedToTheInputAndTaggedWithTheirSlotEv()
    {
        Probe.Calls.Clear();
        var seq = new SequenceReconstructor(ExposurePattern.Parse("-1,1", 1), TransferFunction.Linear, new ReconstructOptions { Method = "probe" });
        var outputs = new Dictionary<int, ImageF>();
        int loads = 0;
        seq.Run(0, 3, 0, 3, t => { loads++; return Encoded(0.5f); }, (n, r) => outputs[n] = r.Hdr);
        Assert.That(loads, Is.EqualTo(4), "each input frame is loaded once");
        Assert.That(Probe.Calls[0].Evs, Is.EqualTo(new double?[] { null, 1, -1 }), "frame 0 holds slot 1 with phase 1; frame -1 is missing");
        Assert.That(Probe.Calls[3].Evs, Is.EqualTo(new double?[] { 1, -1, null }));
        // EV-0 units: linear 0.5 at EV +1 is radiance 0.25; at EV −1 it is 1.0.
        Assert.That(outputs[0].Data[0], Is.EqualTo(0.25f));
        Assert.That(outputs[1].Data[0], Is.EqualTo(1.0f));
    }

    [Test]
    public void LinearizesWithTheInputTransfer()
    {
        var seq = new SequenceReconstructor(ExposurePattern.Parse("0,0", 0), TransferFunction.Srgb, new ReconstructOptions { Method = "probe" });
        float got = 0;
        seq.Run(0, 2, 1, 1, _ => Encoded(0.5f), (_, r) => got = r.Hdr.Data[0]);
        Assert.That(got, Is.EqualTo(0.214041f).Within(1e-5));
    }

    [Test]
    public void RejectsMismatchedSizesTooFewFramesAndNonFinitePixels()
    {
        var seq = new SequenceReconstructor(ExposurePattern.Parse("-2,0,2", 0), TransferFunction.Linear, new ReconstructOptions { Method = "probe" });
        var ex = Assert.Throws<ArgumentException>(() => seq.Run(0, 4, 0, 4, t => Encoded(0.5f, t == 2 ? 5 : 4), (_, _) => { }));
        Assert.That(ex!.Message, Does.Contain("frame 2 is 5x3"));
        ex = Assert.Throws<ArgumentException>(() => seq.Run(0, 1, 0, 1, _ => Encoded(0.5f), (_, _) => { }));
        Assert.That(ex!.Message, Does.Contain("needs at least 3 frames"));
        ex = Assert.Throws<ArgumentException>(() => seq.Run(0, 4, 0, 4, t => Encoded(t == 1 ? float.NaN : 0.5f), (_, _) => { }));
        Assert.That(ex!.Message, Does.Contain("frame 1").And.Contain("NaN"));
    }

    [Test]
    public void UnknownMethodIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => Reconstructor.Resolve("nope"));
        Assert.That(ex!.Message, Does.Contain("unknown method 'nope'"));
    }
}
