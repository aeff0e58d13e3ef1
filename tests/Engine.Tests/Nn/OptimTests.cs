using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

public class OptimTests
{
    /// <summary>torch.optim.AdamW's update, written out in float64.</summary>
    private sealed class AdamWRef(double lr, double b1, double b2, double eps, double wd)
    {
        private double[] _m = Array.Empty<double>(), _v = Array.Empty<double>();
        private int _t;

        public void Step(double[] p, double[] g)
        {
            if (_m.Length == 0) { _m = new double[p.Length]; _v = new double[p.Length]; }
            _t++;
            for (int i = 0; i < p.Length; i++)
            {
                p[i] *= 1 - lr * wd;
                _m[i] = b1 * _m[i] + (1 - b1) * g[i];
                _v[i] = b2 * _v[i] + (1 - b2) * g[i] * g[i];
                double mhat = _m[i] / (1 - Math.Pow(b1, _t));
                double vhat = _v[i] / (1 - Math.Pow(b2, _t));
                p[i] -= lr * mhat / (Math.Sqrt(vhat) + eps);
            }
        }
    }

    [Test]
    public void AdamWMatchesFloat64ReferenceOnGivenGradients()
    {
        var p = TensorScope.Detach(Tensor.FromArray(new[] { 0.5f, -1.5f, 2f, 0f }, 4)).RequireGrad();
        var opt = new AdamW(new[] { KeyValuePair.Create("p", p) }, lr: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1);
        var r = new AdamWRef(0.1, 0.8, 0.95, 1e-6, 0.1);
        double[] pd = { 0.5, -1.5, 2, 0 };
        float[][] grads = { new[] { 1f, -2f, 0.5f, 0f }, new[] { -0.5f, 3f, 0.25f, 1e-3f }, new[] { 2f, 0.1f, -4f, -1e-3f } };
        foreach (var g in grads)
        {
            p.Grad = Tensor.FromArray(g, 4);
            opt.Step();
            r.Step(pd, g.Select(v => (double)v).ToArray());
            var pf = p.ToArray();
            for (int i = 0; i < 4; i++) Assert.That(pf[i], Is.EqualTo(pd[i]).Within(1e-6), $"step {opt.StepCount}, p[{i}]");
        }
        // the first step moves each coordinate by ≈ lr·sign(g) (bias correction makes m̂/√v̂ = ±1)
        Assert.That(opt.StepCount, Is.EqualTo(3));
    }

    [Test]
    public void AdamWOnTinyRegressionTracksFloat64ReferenceForTenSteps()
    {
        // loss = mean((x·w + b − y)²) on 6 fixed points; gradients from the engine vs written out in float64
        double[][] xs = { new[] { 1.0, 2 }, new[] { -1.0, 0.5 }, new[] { 0.3, -2 }, new[] { 2.0, 1 }, new[] { -0.7, -0.4 }, new[] { 0.0, 1.5 } };
        double[] ys = { 1, -2, 0.5, 3, -1, 0.25 };
        var lin = new Linear(2, 1, new Rng(9));
        var opt = new AdamW(lin.NamedParameters(), lr: 0.05, weightDecay: 0.01);
        double[] wd = lin.Weight.ToArray().Select(v => (double)v).ToArray();
        double[] bd = lin.Bias!.ToArray().Select(v => (double)v).ToArray();
        var x = TensorScope.Detach(Tensor.FromArray(xs.SelectMany(v => v).Select(v => (float)v).ToArray(), 6, 2));
        var y = TensorScope.Detach(Tensor.FromArray(ys.Select(v => (float)v).ToArray(), 6, 1));
        var rw = new AdamWRef(0.05, 0.9, 0.999, 1e-8, 0.01);
        var rb = new AdamWRef(0.05, 0.9, 0.999, 1e-8, 0.01);
        for (int step = 0; step < 10; step++)
        {
            using (new TensorScope())
            {
                Tensor.MseLoss(lin.Forward(x), y).Backward();
                opt.Step();
                lin.ZeroGrad();
            }
            var gw = new double[2]; var gb = new double[1];
            for (int i = 0; i < 6; i++)
            {
                double e = xs[i][0] * wd[0] + xs[i][1] * wd[1] + bd[0] - ys[i];
                gw[0] += 2 * e * xs[i][0] / 6; gw[1] += 2 * e * xs[i][1] / 6; gb[0] += 2 * e / 6;
            }
            rw.Step(wd, gw);
            rb.Step(bd, gb);
            var w = lin.Weight.ToArray();
            Assert.That(w[0], Is.EqualTo(wd[0]).Within(1e-5), $"step {step}");
            Assert.That(w[1], Is.EqualTo(wd[1]).Within(1e-5), $"step {step}");
            Assert.That(lin.Bias.ToArray()[0], Is.EqualTo(bd[0]).Within(1e-5), $"step {step}");
        }
        lin.Dispose();
    }

    [Test]
    public void AdamWDecayIsDecoupledAndSkipsNoDecayNames()
    {
        using var lin = new Linear(2, 2, new Rng(1));
        var w0 = lin.Weight.ToArray(); var b0 = lin.Bias!.ToArray();
        var opt = new AdamW(lin.NamedParameters(), lr: 0.1, weightDecay: 0.5, noDecay: AdamW.NoDecayForBiasAndNorm);
        lin.Weight.Grad = Tensor.Zeros(2, 2);
        lin.Bias.Grad = Tensor.Zeros(2);
        opt.Step();
        // zero gradient: Adam's term is 0, so only the decoupled decay acts (L2-in-gradient Adam would not move at all)
        Assert.That(lin.Weight.ToArray(), Is.EqualTo(w0.Select(v => v * (1 - 0.1f * 0.5f)).ToArray()).Within(1e-7));
        Assert.That(lin.Bias.ToArray(), Is.EqualTo(b0));
        Assert.Throws<ArgumentException>(() => new AdamW(new[] { KeyValuePair.Create("a", lin.Weight), KeyValuePair.Create("b", lin.Weight) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(lin.NamedParameters(), beta1: 1));
    }

    [Test]
    public void CosineScheduleWarmsUpLinearlyThenDecays()
    {
        var s = new CosineSchedule(1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-5);
        Assert.That(s.At(0), Is.EqualTo(1e-4).Within(1e-12));
        Assert.That(s.At(4), Is.EqualTo(5e-4).Within(1e-12));
        Assert.That(s.At(9), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(s.At(10), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(s.At(60), Is.EqualTo(1e-5 + 0.5 * (1e-3 - 1e-5)).Within(1e-12));
        Assert.That(s.At(85), Is.EqualTo(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.Cos(Math.PI * 0.75))).Within(1e-12));
        Assert.That(s.At(110), Is.EqualTo(1e-5));
        Assert.That(s.At(1000), Is.EqualTo(1e-5));
        for (int i = 10; i < 110; i++) Assert.That(s.At(i + 1), Is.LessThanOrEqualTo(s.At(i)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1e-3, 20, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(-1));
    }

    [Test]
    public void ClipGradNormScalesToMaxNorm()
    {
        var a = TensorScope.Detach(Tensor.Zeros(2)).RequireGrad();
        var b = TensorScope.Detach(Tensor.Zeros(1)).RequireGrad();
        var c = TensorScope.Detach(Tensor.Zeros(1)).RequireGrad(); // no gradient: ignored
        a.Grad = Tensor.FromArray(new[] { 3f, 4f }, 2);
        b.Grad = Tensor.FromArray(new[] { 12f }, 1);
        double n = GradClip.ClipGradNorm(new[] { a, b, c }, 1.0);
        Assert.That(n, Is.EqualTo(13.0));
        double k = 1.0 / (13 + 1e-6);
        Assert.That(a.Grad.ToArray(), Is.EqualTo(new[] { (float)(3 * k), (float)(4 * k) }).Within(1e-7));
        Assert.That(b.Grad.ToArray()[0], Is.EqualTo((float)(12 * k)).Within(1e-7));
        // below the limit: untouched
        double n2 = GradClip.ClipGradNorm(new[] { a, b }, 5.0);
        Assert.That(n2, Is.EqualTo(1.0).Within(1e-5));
        Assert.That(b.Grad.ToArray()[0], Is.EqualTo((float)(12 * k)));
        // non-finite: reported, untouched
        b.Grad.Span[0] = float.NaN;
        Assert.That(double.IsNaN(GradClip.ClipGradNorm(new[] { a, b }, 1.0)), Is.True);
        Assert.That(a.Grad.ToArray()[0], Is.EqualTo((float)(3 * k)));
    }

    private sealed class WithBuffer : Module
    {
        public Tensor P, B;
        public WithBuffer() { P = RegisterParameter("p", Tensor.Zeros(2)); B = RegisterBuffer("b", Tensor.Zeros(1)); }
    }

    [Test]
    public void EmaAveragesParametersAndCopiesBuffers()
    {
        using var m = new WithBuffer();
        using var ema = new Ema(m, decay: 0.9);
        m.P.Span.Fill(1f); m.B.Span.Fill(5f);
        ema.Update();
        Assert.That(ema.StateDict()["p"].ToArray(), Is.EqualTo(new[] { 0.1f, 0.1f }).Within(1e-7));
        Assert.That(ema.StateDict()["b"].ToArray(), Is.EqualTo(new[] { 5f }));
        ema.Update();
        Assert.That(ema.StateDict()["p"].ToArray(), Is.EqualTo(new[] { 0.19f, 0.19f }).Within(1e-6));
        using var copy = new WithBuffer();
        ema.CopyTo(copy);
        Assert.That(copy.P.ToArray(), Is.EqualTo(new[] { 0.19f, 0.19f }).Within(1e-6));
        using var warm = new Ema(m, decay: 0.999, warmup: true);
        Assert.That(warm.CurrentDecay, Is.EqualTo(0.1).Within(1e-12));
    }

    [Test]
    public void AdamWStateRoundTripResumesExactly()
    {
        string dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "optim-state");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "adamw.safetensors");
        var rng = new Rng(21);
        var x = TensorScope.Detach(Tensor.Randn(rng, 8, 4));
        var y = TensorScope.Detach(Tensor.Randn(rng, 8, 2));
        void Steps(Linear l, AdamW o, int n)
        {
            for (int i = 0; i < n; i++)
                using (new TensorScope()) { Tensor.MseLoss(l.Forward(x), y).Backward(); o.Step(); l.ZeroGrad(); }
        }
        // run A: 6 steps straight
        using var a = new Linear(4, 2, new Rng(1));
        var optA = new AdamW(a.NamedParameters(), lr: 0.01);
        Steps(a, optA, 6);
        // run B: 3 steps, save model + optimizer, restore into fresh objects, 3 more
        using var b = new Linear(4, 2, new Rng(1));
        var optB = new AdamW(b.NamedParameters(), lr: 0.01);
        Steps(b, optB, 3);
        string model = Path.Combine(dir, "model.safetensors");
        Safetensors.Save(b, model);
        optB.SaveState(path);
        using var c = new Linear(4, 2, new Rng(2));
        Safetensors.Load(c, model);
        var optC = new AdamW(c.NamedParameters(), lr: 0.01);
        optC.LoadState(path);
        Assert.That(optC.StepCount, Is.EqualTo(3));
        Steps(c, optC, 3);
        Assert.That(c.Weight.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(a.Weight.ToArray().Select(BitConverter.SingleToInt32Bits)));
        Assert.That(c.Bias!.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(a.Bias!.ToArray().Select(BitConverter.SingleToInt32Bits)));
        // a different model's optimizer state is refused with the names
        using var d = new Linear(4, 3, new Rng(3));
        var optD = new AdamW(d.NamedParameters());
        var ex = Assert.Throws<StateDictMismatchException>(() => optD.LoadState(path))!;
        Assert.That(ex.Message, Does.Contain("exp_avg.weight: expected F32 [3, 4], found F32 [2, 4]"));
    }

    [Test]
    public void GenericTensorOpPathMatchesTheFusedCpuLoop()
    {
        using var a = new Linear(6, 5, new Rng(4));
        using var b = new Linear(6, 5, new Rng(4));
        using var optA = new AdamW(a.NamedParameters(), lr: 0.02, weightDecay: 0.05);
        using var optB = new AdamW(b.NamedParameters(), lr: 0.02, weightDecay: 0.05) { ForceGenericPath = true };
        var rng = new Rng(5);
        var x = TensorScope.Detach(Tensor.Randn(rng, 7, 6));
        var y = TensorScope.Detach(Tensor.Randn(rng, 7, 5));
        for (int s = 0; s < 5; s++)
            foreach (var (m, o) in new[] { (a, optA), (b, optB) })
                using (new TensorScope()) { Tensor.MseLoss(m.Forward(x), y).Backward(); o.Step(); m.ZeroGrad(); }
        Assert.That(b.Weight.ToArray(), Is.EqualTo(a.Weight.ToArray()).Within(1e-6f));
        Assert.That(b.Bias!.ToArray(), Is.EqualTo(a.Bias!.ToArray()).Within(1e-6f));
        Assert.That(optB.Moments("weight").V, Is.EqualTo(optA.Moments("weight").V).Within(1e-7f));
    }
}
