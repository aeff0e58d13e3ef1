using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Dev.Cuda;

/// <summary>One parity check: a computation through the public tensor API, run on the CPU and on a CUDA backend.</summary>
public sealed record ParityCase(string Name, bool UsesGemm, Func<Tensor[], Tensor> Op, int[][] Shapes, float Lo = -2f, float Hi = 2f, bool Backward = true);

/// <summary>The outcome of one case at one GEMM precision.</summary>
public sealed record ParityResult(string Name, GemmPrecision Precision, double RelativeError, double Tolerance, bool HasNaN, string? Error, string Worst = "")
{
    public bool Passed => Error is null && !HasNaN && RelativeError <= Tolerance;
}

/// <summary>
/// CPU/GPU parity (issue 5): every case builds the same random inputs on both devices, runs the op forward, then
/// backward from a random weighting of its output, and compares the output and every input gradient. The error of a
/// tensor is max|gpu − cpu| / max|cpu| (normwise, so tiny reference entries do not dominate); the case's error is the
/// worst over its tensors. Tolerances: fp32 1e-4, TF32 1e-3, BF16 1e-2 (GEMM cases only). Any NaN fails.
/// </summary>
public static class CudaParity
{
    /// <summary>The precisions a case is checked at: all three for GEMM cases, fp32 for the others.</summary>
    public static GemmPrecision[] Precisions(ParityCase c) =>
        c.UsesGemm ? [GemmPrecision.Fp32, GemmPrecision.Tf32, GemmPrecision.Bf16] : [GemmPrecision.Fp32];

    public static double Tolerance(GemmPrecision p) => p switch { GemmPrecision.Tf32 => 1e-3, GemmPrecision.Bf16 => 1e-2, _ => 1e-4 };

    /// <summary>The cases at a size scale (1 for the GPU runner; the emulated tests use the same shapes).</summary>
    public static IReadOnlyList<ParityCase> Cases()
    {
        var list = new List<ParityCase>();
        int[] s4 = [2, 3, 5, 7];
        void U(string name, Func<Tensor, Tensor> f, float lo = -2f, float hi = 2f) => list.Add(new(name, false, x => f(x[0]), [s4], lo, hi));

        U("neg", x => x.Neg());
        U("abs", x => x.Abs());
        U("square", x => x.Square());
        U("sqrt", x => x.Sqrt(), 0.25f, 3f);
        U("exp", x => x.Exp());
        U("log", x => x.Log(), 0.25f, 3f);
        U("reciprocal", x => x.Reciprocal(), 0.5f, 2f);
        U("relu", x => x.Relu());
        U("leaky_relu", x => x.LeakyRelu(0.1f));
        U("gelu", x => x.Gelu());
        U("silu", x => x.Silu());
        U("sigmoid", x => x.Sigmoid());
        U("tanh", x => x.Tanh());
        U("softplus", x => x.Softplus());
        U("add_scalar", x => x.AddScalar(0.75f));
        U("mul_scalar", x => x.MulScalar(-1.5f));
        U("pow_2", x => x.Pow(2f));
        U("pow_0.5", x => x.Pow(0.5f), 0.25f, 3f);
        U("pow_3", x => x.Pow(3f), 0.25f, 2f); // the CPU's pow is exp(p·ln x): positive bases only
        U("clamp", x => x.Clamp(-0.5f, 0.7f));

        void B(string name, Func<Tensor, Tensor, Tensor> f, int[] a, int[] b, float lo = -2f, float hi = 2f, bool backward = true) =>
            list.Add(new(name, false, x => f(x[0], x[1]), [a, b], lo, hi, backward));
        B("add", Tensor.Add, s4, s4);
        B("sub_broadcast", Tensor.Sub, s4, [1, 3, 1, 7]);
        B("mul_broadcast", Tensor.Mul, [2, 1, 5, 1], [1, 3, 1, 7]);
        B("div", Tensor.Div, s4, [3, 1, 1], 0.5f, 2f);
        B("maximum", Tensor.Maximum, s4, s4, backward: false); // no backward in part 1
        B("minimum_broadcast", Tensor.Minimum, s4, [7], backward: false);
        B("add_permuted", (a, b) => Tensor.Add(a.Permute(0, 2, 1, 3), b), s4, [2, 5, 3, 7]);
        list.Add(new("exp_of_transpose", false, x => x[0].Transpose(1, 3).Exp(), [s4]));
        list.Add(new("softmax_of_permute", false, x => x[0].Permute(0, 3, 1, 2).Softmax(1), [s4]));
        list.Add(new("sum_of_narrow", false, x => x[0].Narrow(3, 1, 4).Sum([1, 3], keepDim: false), [s4]));
        list.Add(new("matmul_of_expand", true, x => Tensor.MatMul(x[0].Expand(3, 5, 7), x[1]), [[1, 5, 7], [3, 7, 2]]));
        list.Add(new("contiguous_of_transpose", false, x => x[0].Transpose(1, 3).Contiguous().MulScalar(2f), [s4]));

        list.Add(new("sum_all", false, x => x[0].Sum(), [s4]));
        list.Add(new("sum_dims_0_2", false, x => x[0].Sum([0, 2], keepDim: true), [s4]));
        list.Add(new("mean_dim_3", false, x => x[0].Mean(3), [s4]));
        list.Add(new("sum_long_rows", false, x => x[0].Sum(1), [[3, 3000]]));
        list.Add(new("softmax_last", false, x => x[0].Softmax(-1), [s4]));
        list.Add(new("softmax_dim1", false, x => x[0].Softmax(1), [s4]));
        list.Add(new("softmax_wide", false, x => x[0].Softmax(1), [[4, 1000]]));

        list.Add(new("matmul", true, x => Tensor.MatMul(x[0], x[1]), [[5, 7], [7, 3]]));
        list.Add(new("matmul_batched", true, x => Tensor.MatMul(x[0], x[1]), [[2, 3, 4, 5], [2, 3, 5, 6]]));
        list.Add(new("matmul_transposed_a", true, x => Tensor.MatMul(x[0].Transpose(0, 1), x[1]), [[7, 5], [7, 3]]));
        list.Add(new("matmul_transposed_b", true, x => Tensor.MatMul(x[0], x[1].Transpose(0, 1)), [[5, 7], [3, 7]]));
        list.Add(new("linear", true, x => Tensor.Linear(x[0], x[1], x[2]), [[4, 6, 16], [12, 16], [12]]));

        void C(string name, int[] xs, int[] ws, int stride = 1, int pad = 0, int dil = 1, int groups = 1, bool bias = true) =>
            list.Add(new(name, true, x => Tensor.Conv2d(x[0], x[1], bias ? x[2] : null, stride, pad, dil, groups),
                bias ? [xs, ws, [ws[0]]] : [xs, ws]));
        C("conv3x3_pad1", [2, 3, 9, 11], [4, 3, 3, 3], pad: 1);
        C("conv3x3_stride2", [2, 4, 10, 9], [6, 4, 3, 3], stride: 2, pad: 1);
        C("conv3x3_dilation2", [1, 3, 12, 12], [2, 3, 3, 3], pad: 2, dil: 2);
        C("conv_groups2", [2, 4, 8, 8], [6, 2, 3, 3], pad: 1, groups: 2);
        C("conv1x1_direct", [2, 8, 6, 5], [5, 8, 1, 1], bias: false);
        C("conv5x5_no_pad", [1, 2, 9, 9], [3, 2, 5, 5]);

        list.Add(new("group_norm", false, x => Tensor.GroupNorm(x[0], 2, x[1], x[2]), [[2, 6, 5, 7], [6], [6]]));
        list.Add(new("group_norm_plain", false, x => Tensor.GroupNorm(x[0], 3), [[3, 6, 40, 40]]));
        list.Add(new("layer_norm_last_dim", false, x => Tensor.LayerNorm(x[0], x[1], x[2]), [[4, 9, 32], [32], [32]]));
        list.Add(new("layer_norm_channels", false, x => Tensor.LayerNormChannels(x[0], x[1], x[2]), [[2, 8, 5, 6], [8], [8]]));

        int[] img = [2, 3, 9, 10];
        list.Add(new("avg_pool_2", false, x => x[0].AvgPool2d(2), [img]));
        list.Add(new("avg_pool_3_stride2_pad1", false, x => x[0].AvgPool2d(3, 2, 1), [img]));
        list.Add(new("max_pool_2", false, x => x[0].MaxPool2d(2), [img]));
        list.Add(new("max_pool_3_stride2_pad1", false, x => x[0].MaxPool2d(3, 2, 1), [img]));
        list.Add(new("resize_bilinear_up", false, x => x[0].Resize(17, 23), [img]));
        list.Add(new("resize_bilinear_down_align", false, x => x[0].Resize(5, 4, ResizeMode.Bilinear, alignCorners: true), [img]));
        list.Add(new("resize_nearest", false, x => x[0].Resize(14, 7, ResizeMode.Nearest), [img]));
        list.Add(new("pad_zeros", false, x => x[0].Pad2d(1, 2, 3, 0), [img]));
        list.Add(new("pad_replicate", false, x => x[0].Pad2d(2, 1, 0, 3, PadMode.Replicate), [img]));
        list.Add(new("pad_reflect", false, x => x[0].Pad2d(3, 2, 2, 3, PadMode.Reflect), [img]));
        list.Add(new("grid_sample", false, x => Tensor.GridSample(x[0], x[1]), [img, [2, 7, 6, 2]], -1.2f, 1.2f));
        list.Add(new("grid_sample_border_align", false, x => Tensor.GridSample(x[0], x[1], alignCorners: true, GridPadding.Border), [img, [2, 7, 6, 2]], -1.2f, 1.2f));
        list.Add(new("flow_warp", false, x => Tensor.FlowWarp(x[0], x[1].MulScalar(3f)), [img, [2, 2, 9, 10]]));
        list.Add(new("correlation_r2", false, x => Tensor.Correlation(x[0], x[1], 2), [[2, 4, 7, 8], [2, 4, 7, 8]]));

        list.Add(new("deform_conv", true, x => Tensor.DeformConv2d(x[0], x[1].MulScalar(1.5f), x[2].Sigmoid(), x[3], x[4], DeformConv2dParams.Create(padding: 1)),
            [[2, 4, 7, 8], [2, 18, 7, 8], [2, 9, 7, 8], [5, 4, 3, 3], [5]]));
        list.Add(new("deform_conv_groups2_stride2", true, x => Tensor.DeformConv2d(x[0], x[1], x[2].Sigmoid(), x[3], null, DeformConv2dParams.Create(stride: 2, padding: 1, deformGroups: 2)),
            [[1, 4, 9, 9], [1, 36, 5, 5], [1, 18, 5, 5], [3, 4, 3, 3]]));

        // Composite ops of part 1, built from the primitives above.
        list.Add(new("conv_transpose_stride2", true, x => Tensor.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1), [[2, 4, 5, 6], [4, 3, 3, 3], [3]]));
        list.Add(new("attention", true, x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2]), [[2, 3, 10, 8], [2, 3, 12, 8], [2, 3, 12, 8]]));
        list.Add(new("attention_bias", true, x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], x[3]), [[1, 2, 9, 4], [1, 2, 9, 4], [1, 2, 9, 4], [2, 9, 9]]));
        list.Add(new("channel_attention", true, x => Tensor.ChannelAttention(x[0], x[1], x[2], x[3]), [[2, 2, 4, 30], [2, 2, 4, 30], [2, 2, 4, 30], [2, 1, 1]], 0.25f, 2f));
        list.Add(new("l2_normalize", false, x => x[0].L2Normalize(-1), [s4]));
        list.Add(new("window_partition", false, x => x[0].WindowPartition(2, 3).MulScalar(1.5f), [[2, 4, 6, 3]]));
        list.Add(new("pixel_shuffle", false, x => x[0].PixelShuffle(2).Exp(), [[2, 8, 3, 5]]));
        list.Add(new("pixel_unshuffle", false, x => x[0].PixelUnshuffle(2).Tanh(), [[2, 2, 6, 4]]));
        list.Add(new("concat_dim1", false, x => Tensor.Concat([x[0], x[1].Sigmoid()], 1), [[2, 3, 4, 5], [2, 2, 4, 5]]));
        list.Add(new("stack_dim0", false, x => Tensor.Stack([x[0], x[1]], 0).Square(), [[3, 4], [3, 4]]));
        list.Add(new("l1_loss", false, x => Tensor.L1Loss(x[0], x[1]), [s4, s4]));
        list.Add(new("mse_loss", false, x => Tensor.MseLoss(x[0], x[1]), [s4, s4]));
        list.Add(new("charbonnier_loss", false, x => Tensor.CharbonnierLoss(x[0], x[1]), [s4, s4]));
        list.Add(new("ssim", true, x => Tensor.Ssim(x[0], x[1]), [[1, 3, 24, 24], [1, 3, 24, 24]], 0f, 1f));

        list.Add(new("two_layer_conv_net", true, x =>
        {
            var h = Tensor.Conv2d(x[0], x[1], x[2], padding: 1).Gelu();
            return Tensor.Conv2d(h, x[3], null, padding: 1).Sigmoid();
        }, [[2, 3, 12, 12], [8, 3, 3, 3], [8], [3, 8, 3, 3]]));
        return list;
    }

    /// <summary>Runs <paramref name="c"/> on the CPU and on <paramref name="gpu"/> (registered with <see cref="Backends"/>).</summary>
    public static ParityResult Run(ParityCase c, CudaBackend gpu, GemmPrecision precision = GemmPrecision.Fp32, ulong seed = 1234)
    {
        double tol = Tolerance(c.UsesGemm ? precision : GemmPrecision.Fp32);
        try
        {
            var cpu = Evaluate(c, Device.Cpu, seed);
            var saved = gpu.MatMulPrecision;
            gpu.MatMulPrecision = precision;
            float[][] dev;
            try { dev = Evaluate(c, gpu.Device, seed); }
            finally { gpu.MatMulPrecision = saved; }
            double worst = 0;
            bool nan = false;
            string where = "";
            for (int i = 0; i < cpu.Length; i++)
            {
                if (cpu[i].Length != dev[i].Length) return new(c.Name, precision, double.PositiveInfinity, tol, false, $"tensor {i}: {dev[i].Length} values, expected {cpu[i].Length}");
                double scale = 0, diff = 0;
                for (int k = 0; k < cpu[i].Length; k++)
                {
                    if (float.IsNaN(dev[i][k]) || float.IsNaN(cpu[i][k])) nan = true;
                    scale = Math.Max(scale, Math.Abs(cpu[i][k]));
                    diff = Math.Max(diff, Math.Abs((double)dev[i][k] - cpu[i][k]));
                }
                double e = diff / Math.Max(scale, 1e-30);
                if (e >= worst || double.IsNaN(e))
                {
                    worst = e;
                    where = i == 0 ? "output" : $"gradient of input {i - 1}";
                }
            }
            return new(c.Name, precision, worst, tol, nan, null, where);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new(c.Name, precision, double.PositiveInfinity, tol, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Output, then (for cases with a backward) the gradient of every input, as host arrays.</summary>
    public static float[][] Evaluate(ParityCase c, Device device, ulong seed)
    {
        using var scope = new TensorScope();
        var rng = new Rng(seed);
        var inputs = new Tensor[c.Shapes.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var host = Tensor.Rand(rng, c.Shapes[i], c.Lo, c.Hi);
            inputs[i] = device == Device.Cpu ? host : host.To(device);
            if (c.Backward) inputs[i].RequireGrad();
        }
        var y = c.Op(inputs);
        if (!c.Backward) return [y.ToArray()];
        var weight = Tensor.Rand(rng, y.Shape, -1f, 1f);
        var w = device == Device.Cpu ? weight : weight.To(device);
        var loss = Tensor.Mul(y, w).Sum();
        loss.Backward();
        var result = new float[inputs.Length + 1][];
        result[0] = y.ToArray();
        for (int i = 0; i < inputs.Length; i++)
            result[i + 1] = inputs[i].Grad?.ToArray() ?? throw new InvalidOperationException($"input {i} of {c.Name} got no gradient");
        return result;
    }
}
