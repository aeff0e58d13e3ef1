using HdrOfx.Dev.Nn;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

public class ModuleTests
{
    private sealed class Block : Module
    {
        public Block(int cin, int cout, Rng rng)
        {
            RegisterModule("conv", new Conv2d(cin, cout, 3, rng, padding: 1));
            RegisterModule("norm", new GroupNorm(1, cout));
            RegisterBuffer("scale", Tensor.Ones(1));
        }

        public void RegisterAgain(string name) => RegisterParameter(name, Tensor.Zeros(1));
    }

    private sealed class Net : Module
    {
        public Net(Rng rng, int width = 8)
        {
            RegisterParameter("gain", Tensor.Ones(1));
            var down = RegisterModule("down", new Sequential(new Block(3, width, rng), new Block(width, width, rng)));
            RegisterModule("head", new Linear(width, 2, rng));
        }
    }

    [Test]
    public void NamesAreHierarchicalInRegistrationOrder()
    {
        using var net = new Net(new Rng(1));
        var names = net.NamedParameters().Select(p => p.Key).ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "gain",
            "down.0.conv.weight", "down.0.conv.bias", "down.0.norm.weight", "down.0.norm.bias",
            "down.1.conv.weight", "down.1.conv.bias", "down.1.norm.weight", "down.1.norm.bias",
            "head.weight", "head.bias",
        }));
        var state = net.StateDict().Keys.ToArray();
        Assert.That(state, Does.Contain("down.0.scale"));
        Assert.That(state.Length, Is.EqualTo(names.Length + 2));
        // per-module order (PyTorch's): own params, own buffers, then children
        Assert.That(state.Take(3), Is.EqualTo(new[] { "gain", "down.0.scale", "down.0.conv.weight" }));
        Assert.That(net.Parameters().All(p => p.RequiresGrad), Is.True);
        Assert.That(net.NamedBuffers().Select(b => b.Key), Is.EqualTo(new[] { "down.0.scale", "down.1.scale" }));
        Assert.That(net.NamedBuffers().Any(b => b.Value.RequiresGrad), Is.False);
        Assert.That(net.ParameterCount(), Is.EqualTo(1 + (8 * 3 * 9 + 8 + 16) + (8 * 8 * 9 + 8 + 16) + 18));
        Assert.That(net.NamedModules().Select(m => m.Key), Does.Contain("down.1.norm"));
    }

    [Test]
    public void RegistrationRejectsDuplicatesAndDots()
    {
        using var b = new Block(1, 1, new Rng(1));
        Assert.That(() => b.RegisterAgain("conv"), Throws.ArgumentException.With.Message.Contains("already registered"));
        Assert.That(() => b.RegisterAgain("a.b"), Throws.ArgumentException.With.Message.Contains("'.'"));
        Assert.That(() => b.RegisterAgain(""), Throws.ArgumentException);
    }

    [Test]
    public void StrictLoadReportsShapeMismatchPrecisely()
    {
        using var a = new Net(new Rng(1), width: 64);
        using var b = new Net(new Rng(2), width: 32);
        var ex = Assert.Throws<StateDictMismatchException>(() => a.LoadStateDict(b.StateDict()))!;
        Assert.That(ex.Message, Does.Contain("down.0.conv.weight: expected [64, 3, 3, 3], found [32, 3, 3, 3]"));
        Assert.That(ex.Message, Does.Contain("head.weight: expected [2, 64], found [2, 32]"));
        Assert.That(ex.ShapeMismatches.Count, Is.EqualTo(9));
        // shape mismatch fails even when not strict
        Assert.Throws<StateDictMismatchException>(() => a.LoadStateDict(b.StateDict(), strict: false));
    }

    [Test]
    public void StrictLoadReportsMissingAndUnexpectedKeys()
    {
        using var a = new Net(new Rng(1));
        using var b = new Net(new Rng(2));
        var d = new Dictionary<string, Tensor>(b.StateDict());
        d.Remove("head.bias");
        d.Remove("down.1.scale");
        d["head.extra"] = d["head.weight"];
        var before = a.StateDict()["gain"].ToArray();
        var ex = Assert.Throws<StateDictMismatchException>(() => a.LoadStateDict(d))!;
        Assert.That(ex.MissingKeys, Is.EqualTo(new[] { "down.1.scale", "head.bias" }));
        Assert.That(ex.UnexpectedKeys, Is.EqualTo(new[] { "head.extra" }));
        Assert.That(ex.Message, Does.Contain("missing keys (2): down.1.scale, head.bias"));
        Assert.That(ex.Message, Does.Contain("unexpected keys (1): head.extra"));
        // a failed load writes nothing
        Assert.That(a.StateDict()["down.0.conv.weight"].ToArray(), Is.Not.EqualTo(b.StateDict()["down.0.conv.weight"].ToArray()));
        Assert.That(a.StateDict()["gain"].ToArray(), Is.EqualTo(before));
        // non-strict loads what matches and reports the rest
        var res = a.LoadStateDict(d, strict: false);
        Assert.That(res.MissingKeys, Is.EqualTo(new[] { "down.1.scale", "head.bias" }));
        Assert.That(res.UnexpectedKeys, Is.EqualTo(new[] { "head.extra" }));
        Assert.That(a.StateDict()["down.0.conv.weight"].ToArray(), Is.EqualTo(b.StateDict()["down.0.conv.weight"].ToArray()));
    }

    [Test]
    public void LoadConvertsHalfPrecision()
    {
        using var a = new Linear(3, 2, new Rng(1));
        using var b = new Linear(3, 2, new Rng(2));
        var half = b.StateDict().ToDictionary(e => e.Key, e => e.Value.To(DType.F16));
        a.LoadStateDict(half);
        var expect = b.Weight.ToArray().Select(v => (float)(Half)v).ToArray();
        Assert.That(a.Weight.ToArray(), Is.EqualTo(expect));
        Assert.That(a.Weight.RequiresGrad, Is.True);
    }

    [Test]
    public void TrainEvalPropagatesAndDisposeReleasesTensors()
    {
        var net = new Net(new Rng(1));
        net.Eval();
        Assert.That(net.NamedModules().All(m => !m.Value.Training), Is.True);
        net.Train();
        Assert.That(net.NamedModules().All(m => m.Value.Training), Is.True);
        var ps = net.StateDict().Values.ToArray();
        net.Dispose();
        Assert.That(ps.All(p => p.IsDisposed), Is.True);
        Assert.That(net.IsDisposed, Is.True);
    }

    [Test]
    public void ParametersSurviveTheScopeTheyWereCreatedIn()
    {
        Linear l;
        using (new TensorScope()) l = new Linear(4, 4, new Rng(3));
        Assert.That(l.Weight.IsDisposed, Is.False);
        Assert.That(l.Weight.ToArray().Length, Is.EqualTo(16));
        l.Dispose();
    }

    [Test]
    public void SameSeedGivesBitIdenticalWeightsAndDifferentSeedDoesNot()
    {
        using var a = new SmallUNet(3, 3, 8, new Rng(42));
        using var b = new SmallUNet(3, 3, 8, new Rng(42));
        using var c = new SmallUNet(3, 3, 8, new Rng(43));
        foreach (var (n, t) in a.StateDict())
        {
            var bits = t.ToArray().Select(BitConverter.SingleToInt32Bits);
            Assert.That(b.StateDict()[n].ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(bits), n);
        }
        Assert.That(c.StateDict()["enc0.0.weight"].ToArray(), Is.Not.EqualTo(a.StateDict()["enc0.0.weight"].ToArray()));
    }

    [Test]
    public void DefaultInitMatchesPyTorchBounds()
    {
        using var conv = new Conv2d(16, 8, 3, new Rng(5));
        float bound = 1f / MathF.Sqrt(16 * 9);
        var w = conv.Weight.ToArray();
        Assert.That(w.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.9f * bound));
        Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.9f * bound));
        Assert.That(conv.Bias!.ToArray().All(v => Math.Abs(v) <= bound), Is.True);
        // variance of U(-b, b) is b²/3
        double var = w.Select(v => (double)v * v).Average();
        Assert.That(var, Is.EqualTo(bound * bound / 3.0).Within(15).Percent);
    }

    [Test]
    public void FrozenSubNetworkGetsNoGradientAndDoesNotMove()
    {
        var rng = new Rng(8);
        using var net = new SmallUNet(3, 3, 4, rng);
        var enc0 = net.NamedChildren().First(c => c.Key == "enc0").Value;
        enc0.RequiresGrad(false);
        var frozen = enc0.Parameters().Select(p => p.ToArray()).ToArray();
        var other = net.StateDict()["out.weight"].ToArray();
        var opt = new AdamW(net.NamedParameters(), lr: 1e-2);
        var x = TensorScope.Detach(Tensor.Randn(rng, 1, 3, 8, 8));
        using (new TensorScope())
        {
            Tensor.MseLoss(net.Forward(x), x).Backward();
            Assert.That(enc0.Parameters().All(p => p.Grad == null), Is.True);
            opt.Step();
            net.ZeroGrad();
        }
        Assert.That(enc0.Parameters().Select(p => p.ToArray()), Is.EqualTo(frozen));
        Assert.That(net.StateDict()["out.weight"].ToArray(), Is.Not.EqualTo(other));
    }

    private sealed class Stack : Module
    {
        public readonly ModuleList<RestormerBlock> Blocks;
        public Stack(Rng rng) => Blocks = RegisterModule("blocks", new ModuleList<RestormerBlock>(Enumerable.Range(0, 2).Select(_ => new RestormerBlock(4, 2, rng))));
        public override Tensor Forward(Tensor x) { foreach (var b in Blocks) x = b.Forward(x); return x; }
    }

    [Test]
    public void ModuleListNamesItemsByIndex()
    {
        using var s = new Stack(new Rng(1));
        Assert.That(s.Blocks.Count, Is.EqualTo(2));
        Assert.That(s.NamedParameters().Select(p => p.Key), Does.Contain("blocks.1.attn.temperature"));
        Assert.That(s.NamedParameters().Select(p => p.Key), Does.Contain("blocks.0.ffn.dwconv.weight"));
        using var _ = new TensorScope();
        Assert.That(s.Forward(Tensor.Zeros(1, 4, 3, 3)).Shape, Is.EqualTo(new[] { 1, 4, 3, 3 }));
    }
}
