using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

/// <summary>
/// The CUDA backend on the emulated device: the real CudaBackend code (layouts, launches, GEMM operand mapping, the
/// allocator) over the backend's own CUDA C kernels compiled with g++, against the CPU backend. What this cannot
/// show — NVRTC, the driver, cuBLAS, real concurrency and speed — the GPU tests and `hdrofx gpu-check` show on a GPU.
/// </summary>
[NonParallelizable]
public class EmulatedBackendTests
{
    private static CudaBackend? _backend;
    private static EmulatedCudaApi? _api;

    private static CudaBackend Backend()
    {
        if (!CudaEmulator.TryGet(out var lib, out string why)) Prerequisite.Missing("no CUDA emulator: " + why);
        if (_backend == null)
        {
            _api = new EmulatedCudaApi(lib);
            _backend = new CudaBackend(_api, index: 15);
            Backends.Register(_backend);
        }
        return _backend;
    }

    public static IEnumerable<TestCaseData> Cases() => CudaParity.Cases().Select(c => new TestCaseData(c.Name).SetName("Emulated_parity_" + c.Name));

    [TestCaseSource(nameof(Cases))]
    public void Emulated_parity(string name)
    {
        var gpu = Backend();
        var c = CudaParity.Cases().Single(x => x.Name == name);
        var r = CudaParity.Run(c, gpu);
        Assert.That(r.Error, Is.Null);
        Assert.That(r.HasNaN, Is.False, "NaN in an output or gradient");
        Assert.That(r.RelativeError, Is.LessThanOrEqualTo(r.Tolerance), r.Worst);
    }

    [Test]
    public void Every_kernel_op_code_matches_the_CSharp_enums()
    {
        var text = CudaKernelSource.Text;
        foreach (var op in Enum.GetValues<UnaryOp>())
            Assert.That(text, Does.Contain($"#define U_{op.ToString().ToUpperInvariant()} {(int)op}\n"), op.ToString());
        foreach (var op in Enum.GetValues<BinaryOp>())
            Assert.That(text, Does.Contain($"#define B_{op.ToString().ToUpperInvariant()} {(int)op}\n"), op.ToString());
    }

    [Test]
    public void A_parity_case_fails_when_the_device_is_wrong()
    {
        var gpu = Backend();
        var wrong = new ParityCase("deliberately_wrong", false, x => x[0].Device == Device.Cpu ? x[0].Exp() : x[0].Exp().MulScalar(1.001f), [[3, 4]]);
        var r = CudaParity.Run(wrong, gpu);
        Assert.That(r.Passed, Is.False);
        Assert.That(r.RelativeError, Is.GreaterThan(1e-4));
        var nan = new ParityCase("nan", false, x => x[0].Device == Device.Cpu ? x[0].Exp() : x[0].Log(), [[3, 4]], -2f, -1f);
        Assert.That(CudaParity.Run(nan, gpu).Passed, Is.False, "NaN never passes");
    }

    [Test]
    public void Matmul_precision_reaches_cuBLAS()
    {
        var gpu = Backend();
        _api!.Precisions.Clear();
        var c = CudaParity.Cases().Single(x => x.Name == "matmul");
        Assert.That(CudaParity.Run(c, gpu, GemmPrecision.Tf32).Passed, Is.True);
        Assert.That(_api.Precisions, Is.Not.Empty.And.All.EqualTo(GemmPrecision.Tf32));
        Assert.That(gpu.MatMulPrecision, Is.EqualTo(GemmPrecision.Fp32), "restored after the case");
    }

    [Test]
    public void The_part_1_UNet_trains_on_the_emulated_device_as_on_the_CPU()
    {
        var gpu = Backend();
        var cpu = HdrOfx.Dev.Nn.DeviceTraining.Run(Device.Cpu, steps: 3, size: 16, batch: 1, baseChannels: 4);
        var copies = new List<int>();
        var dev = HdrOfx.Dev.Nn.DeviceTraining.Run(gpu.Device, steps: 3, size: 16, batch: 1, baseChannels: 4,
            synchronize: () => copies.Add(_api!.DeviceToHostCopies));
        Assert.That(copies[2] - copies[0], Is.Zero, "no device-to-host copy inside a training step (forward, backward, AdamW)");
        var (loss, weights) = HdrOfx.Dev.Nn.DeviceTraining.Compare(cpu, dev);
        Assert.That(loss, Is.LessThanOrEqualTo(1e-4), "per-step losses");
        Assert.That(weights, Is.LessThanOrEqualTo(1e-4), "weights after three AdamW steps");
        Assert.That(cpu.Losses[2], Is.LessThan(cpu.Losses[0]), "it learns");
        Assert.That(gpu.Pool.InUseBytes, Is.Zero, "every device tensor of the run was released");
    }

    /// <summary>gpu-check at sizes the CPU emulator runs in seconds (the emulated and the fake-driver report tests).</summary>
    internal static readonly CudaCheckOptions TinyCheck = new(GemmSize: 32, MinSeconds: 0, BandwidthFloats: 4096, ConvBatch: 1, ConvSize: 8,
        TrainSize: 16, TrainBatch: 1, MemorySteps: 14, ParityTrainSize: 16, ParityTrainChannels: 4, TrainSteps: 2,
        TcamSmallWidth: 16, TcamSmallHeight: 12, TcamWidth: 24, TcamHeight: 20, TcamRepetitions: 1);

    [Test]
    public void The_gpu_check_report_runs_through_on_the_emulated_device()
    {
        Backend();
        CudaEmulator.TryGet(out var lib, out _);
        using var gpu = new CudaBackend(new EmulatedCudaApi(lib, budgetBytes: 1L << 30), index: 12);
        Backends.Register(gpu);
        var report = new System.Text.StringBuilder();
        int code = CudaCheck.RunOn(report, _ => { }, gpu, TinyCheck);
        string text = report.ToString();
        Assert.That(code, Is.EqualTo(CudaCheck.Passed), text);
        Assert.That(text, Does.Contain("| conv3x3_pad1 | Bf16 |").And.Contain("U-Net training").And.Contain("GEMM 32³ Tf32"));
        Assert.That(text, Does.Contain("no growth"));
        Assert.That(text, Does.Contain("fails with: `CUDA out of memory"));
        Assert.That(text, Does.Contain("## tcam on the device").And.Contain("| 24×20 | 2 |"));
        Assert.That(text, Does.Not.Contain("FAIL"));
        TestContext.Out.WriteLine(text);
    }

    [Test]
    public void Gradient_clipping_and_EMA_work_on_the_device_as_on_the_CPU()
    {
        var gpu = Backend();
        (double Norm, float[][] Grads, float[][] Shadow) Run(Device device)
        {
            var rng = new Rng(5);
            using var net = new HdrOfx.Dev.Nn.SmallUNet(3, 3, 4, rng);
            net.To(device);
            using var ema = new HdrOfx.Engine.Nn.Ema(net, decay: 0.9);
            using (var scope = new TensorScope())
            {
                var x = Tensor.Randn(rng, 1, 3, 16, 16);
                var y = net.Forward(device == Device.Cpu ? x : x.To(device));
                y.Square().Sum().Backward();
            }
            double norm = HdrOfx.Engine.Nn.GradClip.ClipGradNorm(net.Parameters(), maxNorm: 0.5);
            var grads = net.Parameters().Select(p => p.Grad!.ToArray()).ToArray();
            using (HdrOfx.Engine.Tensors.Autograd.GradMode.NoGrad())
                foreach (var p in net.Parameters()) p.AddScalarInPlace(0.125f);
            ema.Update();
            var shadow = ema.StateDict().Values.Select(t => t.ToArray()).ToArray();
            net.ZeroGrad();
            return (norm, grads, shadow);
        }
        var cpu = Run(Device.Cpu);
        var dev = Run(gpu.Device);
        Assert.That(cpu.Norm, Is.GreaterThan(0.5), "the gradients were clipped");
        Assert.That(dev.Norm, Is.EqualTo(cpu.Norm).Within(1e-4 * cpu.Norm));
        for (int i = 0; i < cpu.Grads.Length; i++)
            Assert.That(dev.Grads[i], Is.EqualTo(cpu.Grads[i]).Within(1e-5f), $"clipped gradient {i}");
        for (int i = 0; i < cpu.Shadow.Length; i++)
            Assert.That(dev.Shadow[i], Is.EqualTo(cpu.Shadow[i]).Within(1e-5f), $"EMA entry {i}");
    }

    [Test]
    public void Fused_AdamW_on_the_device_equals_the_CPU_loop()
    {
        var gpu = Backend();
        (float[] P, float[] M, float[] V) Run(Device device, bool generic)
        {
            var rng = new Rng(9);
            var host = Tensor.Randn(rng, 7, 33);
            using var p = TensorScope.Detach(device == Device.Cpu ? host : host.To(device));
            p.RequiresGrad = true;
            using var opt = new HdrOfx.Engine.Nn.AdamW([new("w", p)], lr: 1e-2, weightDecay: 0.1) { ForceGenericPath = generic };
            for (int step = 0; step < 3; step++)
            {
                var g = Tensor.Randn(rng, 7, 33);
                p.Grad = device == Device.Cpu ? g : g.To(device);
                opt.Step();
            }
            var (m, v) = opt.Moments("w");
            return (p.ToArray(), m, v);
        }
        var cpu = Run(Device.Cpu, generic: false);
        long launches = _api!.Launches;
        var dev = Run(gpu.Device, generic: false);
        Assert.That(_api.Launches - launches, Is.EqualTo(3), "one fused kernel per step");
        Assert.That(dev.P, Is.EqualTo(cpu.P).Within(1e-6f));
        Assert.That(dev.M, Is.EqualTo(cpu.M).Within(1e-6f));
        Assert.That(dev.V, Is.EqualTo(cpu.V).Within(1e-6f));
        var generic = Run(gpu.Device, generic: true);
        Assert.That(generic.P, Is.EqualTo(cpu.P).Within(1e-5f), "the generic device path agrees too");
    }

    private static readonly (string Name, Func<Rng, HdrOfx.Engine.Nn.Module> Build, int[] Input)[] Layers =
    [
        ("MaxVitBlock", r => new HdrOfx.Engine.Nn.MaxVitBlock(8, 2, 4, r), [1, 8, 8, 8]),
        ("RestormerBlock", r => new HdrOfx.Engine.Nn.RestormerBlock(8, 2, r), [1, 8, 6, 6]),
        ("DeformableConvBlock", r => new HdrOfx.Engine.Nn.DeformableConvBlock(4, 6, 3, r), [2, 4, 7, 7]),
        ("AttentionBlock2d", r => new HdrOfx.Engine.Nn.AttentionBlock2d(8, 2, r, groups: 4), [1, 8, 5, 5]),
        ("MultiHeadSelfAttention", r => new HdrOfx.Engine.Nn.MultiHeadSelfAttention(8, 2, r), [2, 7, 8]),
        ("GatedDconvFeedForward", r => new HdrOfx.Engine.Nn.GatedDconvFeedForward(6, r), [1, 6, 5, 5]),
    ];

    public static IEnumerable<TestCaseData> LayerNames() => Layers.Select(l => new TestCaseData(l.Name).SetName("Emulated_layer_" + l.Name));

    /// <summary>A layer built from one seed on each device (moved with Module.To), fed the same input: outputs and parameter gradients agree.</summary>
    [TestCaseSource(nameof(LayerNames))]
    public void Emulated_layer(string name)
    {
        var gpu = Backend();
        var (_, build, input) = Layers.Single(l => l.Name == name);
        (float[] Y, float[][] Grads) Run(Device device)
        {
            using var scope = new TensorScope();
            var rng = new Rng(21);
            using var m = build(rng);
            m.To(device);
            var x = Tensor.Randn(rng, input);
            var y = m.Forward(device == Device.Cpu ? x : x.To(device));
            y.Square().Sum().Backward();
            var grads = m.Parameters().Select(p => p.Grad?.ToArray() ?? []).ToArray();
            return (y.ToArray(), grads);
        }
        var cpu = Run(Device.Cpu);
        var dev = Run(gpu.Device);
        double scale = cpu.Y.Max(v => Math.Abs(v));
        Assert.That(dev.Y.Zip(cpu.Y, (a, b) => Math.Abs(a - b)).Max() / scale, Is.LessThanOrEqualTo(1e-4), "output");
        for (int i = 0; i < cpu.Grads.Length; i++)
        {
            if (cpu.Grads[i].Length == 0) continue;
            double gs = Math.Max(cpu.Grads[i].Max(v => Math.Abs(v)), 1e-30);
            Assert.That(dev.Grads[i].Zip(cpu.Grads[i], (a, b) => Math.Abs(a - b)).Max() / gs, Is.LessThanOrEqualTo(1e-4), $"gradient of parameter {i}");
        }
    }

    [Test]
    public void Sinusoidal_embedding_of_device_timesteps_lands_on_the_device()
    {
        var gpu = Backend();
        var emb = new HdrOfx.Engine.Nn.SinusoidalEmbedding(16);
        using var t = Tensor.FromArray([0f, 3f, 250f], 3);
        using var td = t.To(gpu.Device);
        using var cpu = emb.Forward(t);
        using var dev = emb.Forward(td);
        Assert.That(dev.Device, Is.EqualTo(gpu.Device));
        Assert.That(dev.ToArray(), Is.EqualTo(cpu.ToArray()));
    }

    [Test]
    public void Half_storage_on_the_device_is_refused_clearly()
    {
        var gpu = Backend();
        var e = Assert.Throws<NotSupportedException>(() => Tensor.Empty([4], gpu.Device, DType.BF16));
        Assert.That(e!.Message, Does.Contain("float32"));
    }
}
