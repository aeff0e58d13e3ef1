using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>
/// Stopwatch benchmarks of the CPU engine, called by <c>hdrofx bench</c>. Each runs a warm-up, then repeats
/// until at least <c>minSeconds</c> have passed and reports the best repetition (least disturbed by other load).
/// </summary>
public static class TensorBenchmarks
{
    /// <summary>
    /// <see cref="Seconds"/>/<see cref="GFlops"/>: best wall-clock repetition. <see cref="GFlopsPerCpuSecond"/>: all
    /// repetitions' flops over the process CPU time they used — per busy core, so it is not diluted when other
    /// processes share the cores (compare it with the per-core peak; NaN where not measured).
    /// </summary>
    public sealed record Result(string Name, double Seconds, double GFlops, string Detail, double GFlopsPerCpuSecond = double.NaN)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture,
                $"{Name,-44} {Seconds * 1e3,10:F2} ms {GFlops,9:F1} GFLOP/s {(double.IsNaN(GFlopsPerCpuSecond) ? "" : $"({GFlopsPerCpuSecond:F1} per busy core)")}  {Detail}");
    }

    /// <summary>The machine's theoretical FP32 peak for our kernels: cores × FMA units × lanes × 2 × clock.</summary>
    public sealed record Peak(int Cores, int FmaUnits, int Lanes, double ClockGHz, string Cpu)
    {
        public double GFlops => Cores * FmaUnits * Lanes * 2 * ClockGHz;

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture,
                $"{Cpu}: {Cores} cores × {FmaUnits} FMA units × {Lanes} lanes × 2 × {ClockGHz:F3} GHz = {GFlops:F1} GFLOP/s");
    }

    /// <summary>
    /// Reads the clock ("cpu MHz", the highest listed) and model from /proc/cpuinfo. FMA units per core is
    /// assumed 2 (Zen 2–4, Intel since Haswell); lanes are 8 because the kernels use 256-bit vectors
    /// (fallback kernels: see the switch below). The clock is what the OS reports; turbo can exceed it.
    /// </summary>
    public static Peak MachinePeak()
    {
        double mhz = 0; string cpu = "unknown CPU";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int c = line.IndexOf(':');
                if (c < 0) continue;
                string key = line[..c].Trim(), val = line[(c + 1)..].Trim();
                if (key == "cpu MHz" && double.TryParse(val, NumberStyles.Float, CultureInfo.InvariantCulture, out double m)) mhz = Math.Max(mhz, m);
                else if (key == "model name") cpu = val;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        // avx2-fma: 2 FMA pipes × 8 lanes; v128: a mul and an add pipe ≈ one FMA × 4 lanes; scalar: 1 × 1
        var (units, lanes) = Sgemm.KernelName switch { "avx2-fma" => (2, 8), "v128" => (1, 4), _ => (1, 1) };
        return new Peak(ParallelRange.MaxThreads, units, lanes, mhz / 1000.0, cpu);
    }

    private static (double best, int reps) Time(Action a, double minSeconds)
    {
        var (best, reps, _) = TimeCpu(a, minSeconds);
        return (best, reps);
    }

    /// <summary>Best wall time, repetitions, and process CPU seconds per repetition (averaged).</summary>
    private static (double best, int reps, double cpuPerRep) TimeCpu(Action a, double minSeconds)
    {
        a(); // warm-up: JIT, arena, packing buffers
        double best = double.MaxValue, total = 0; int reps = 0;
        var sw = new Stopwatch();
        var proc = Process.GetCurrentProcess();
        proc.Refresh();
        var cpu0 = proc.TotalProcessorTime;
        while (total < minSeconds || reps < 3)
        {
            sw.Restart(); a(); sw.Stop();
            double s = sw.Elapsed.TotalSeconds;
            best = Math.Min(best, s); total += s; reps++;
        }
        proc.Refresh();
        double cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds;
        return (best, reps, cpu / reps);
    }

    /// <summary>The 1-minute load average from /proc/loadavg ("?" where unavailable): other processes on the cores.</summary>
    public static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>C = A·B for row-major A [m×k], B [k×n].</summary>
    public static Result Gemm(int m, int n, int k, double minSeconds = 1.0)
    {
        var rng = new Rng(1);
        var a = new float[(long)m * k]; var b = new float[(long)k * n]; var c = new float[(long)m * n];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1);
        var (t, reps, cpu) = TimeCpu(() => Sgemm.Run(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, false), minSeconds);
        double flops = 2.0 * m * n * k;
        return new Result($"sgemm {m}x{n}x{k}", t, flops / t / 1e9, $"best of {reps}, {ParallelRange.MaxThreads} threads, kernel={Sgemm.KernelName}", flops / cpu / 1e9);
    }

    /// <summary>conv2d forward, and forward+backward (input, weight and bias gradients), 3×3 pad 1.</summary>
    public static Result[] Conv2d(int n, int c, int h, int w, int o, int k = 3, double minSeconds = 1.0)
    {
        var rng = new Rng(2);
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c, k, k }, 0.05f);
        using var bias = Tensor.Zeros(o);
        double fwdFlops = 2.0 * n * o * h * w * c * k * k;
        var (tf, rf, cf) = TimeCpu(() =>
        {
            using var _ = GradMode.NoGrad();
            using var y = Tensor.Conv2d(x, wt, bias, 1, k / 2);
        }, minSeconds);
        wt.RequiresGrad = true; bias.RequiresGrad = true; x.RequiresGrad = true;
        var (tb, rb, cb) = TimeCpu(() =>
        {
            using var scope = new TensorScope();
            var y = Tensor.Conv2d(x, wt, bias, 1, k / 2);
            y.Sum().Backward();
            x.ZeroGrad(); wt.ZeroGrad(); bias.ZeroGrad();
        }, minSeconds);
        string shape = $"{n}x{c}x{h}x{w} -> {o}, {k}x{k}";
        return new[]
        {
            new Result($"conv2d fwd {shape}", tf, fwdFlops / tf / 1e9, $"best of {rf}", fwdFlops / cf / 1e9),
            new Result($"conv2d fwd+bwd {shape}", tb, 3 * fwdFlops / tb / 1e9, $"best of {rb}; {n * h * w / tb / 1e6:F2} Mpix/s", 3 * fwdFlops / cb / 1e9),
        };
    }

    /// <summary>The three conv2d kernels timed separately (forward, input gradient, weight gradient), 3×3 pad 1.</summary>
    public static Result[] Conv2dPhases(int n, int c, int h, int w, int o, int k = 3, double minSeconds = 0.5)
    {
        var rng = new Rng(3);
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c, k, k }, 0.05f);
        var p = Conv2dParams.Create(1, k / 2);
        using var y = Tensor.Empty(n, o, h, w);
        using var dx = Tensor.Empty(n, c, h, w);
        using var dw = Tensor.Empty(o, c, k, k);
        var be = Backends.Cpu;
        double flops = 2.0 * n * o * h * w * c * k * k;
        var (tf, _, cf) = TimeCpu(() => be.Conv2d(x, wt, null, y, p), minSeconds);
        var (ti, _, ci) = TimeCpu(() => be.Conv2dBackwardInput(y, wt, dx, p), minSeconds);
        var (tw, _, cw) = TimeCpu(() => be.Conv2dBackwardWeight(x, y, dw, p), minSeconds);
        string shape = $"{n}x{c}x{h}x{w} -> {o}, {k}x{k}";
        return new[]
        {
            new Result($"conv2d kernel fwd {shape}", tf, flops / tf / 1e9, "", flops / cf / 1e9),
            new Result($"conv2d kernel dX {shape}", ti, flops / ti / 1e9, "", flops / ci / 1e9),
            new Result($"conv2d kernel dW {shape}", tw, flops / tw / 1e9, "", flops / cw / 1e9),
        };
    }

    /// <summary>
    /// One SGD training step of a plain 3-layer conv net (3→c→c→3, 3×3, GELU, L1 loss) at batch×3×size×size,
    /// inside a <see cref="TensorScope"/>. Reports ms/step, managed bytes allocated per step (GC) and arena misses per
    /// step (fresh tensor buffers), measured after warm-up.
    /// </summary>
    public static Result TrainingStep(int batch = 4, int size = 128, int c = 32, int steps = 10)
    {
        var rng = new Rng(4);
        using var x = Tensor.Rand(rng, new[] { batch, 3, size, size });
        using var target = Tensor.Rand(rng, new[] { batch, 3, size, size });
        var ws = new[]
        {
            Tensor.Randn(rng, new[] { c, 3, 3, 3 }, 0.2f).RequireGrad(), Tensor.Zeros(c).RequireGrad(),
            Tensor.Randn(rng, new[] { c, c, 3, 3 }, 0.06f).RequireGrad(), Tensor.Zeros(c).RequireGrad(),
            Tensor.Randn(rng, new[] { 3, c, 3, 3 }, 0.06f).RequireGrad(), Tensor.Zeros(3).RequireGrad(),
        };
        float loss = 0;
        void Step()
        {
            using (new TensorScope())
            {
                var h = Tensor.Conv2d(x, ws[0], ws[1], 1, 1).Gelu();
                h = Tensor.Conv2d(h, ws[2], ws[3], 1, 1).Gelu();
                var y = Tensor.Conv2d(h, ws[4], ws[5], 1, 1);
                var l = Tensor.L1Loss(y, target);
                l.Backward();
                loss = l.Item();
                using (GradMode.NoGrad())
                    foreach (var w in ws) { using var u = w.Grad!.MulScalar(-0.01f); w.AddInPlace(u); w.ZeroGrad(setToNull: false); }
            }
        }
        Step(); Step(); // warm-up: JIT, arena buckets, packing buffers
        long bytes0 = GC.GetTotalAllocatedBytes(precise: true), miss0 = TensorArena.Misses;
        var sw = Stopwatch.StartNew();
        double best = double.MaxValue;
        for (int i = 0; i < steps; i++)
        {
            var t0 = sw.Elapsed.TotalSeconds;
            Step();
            best = Math.Min(best, sw.Elapsed.TotalSeconds - t0);
        }
        long bytes = (GC.GetTotalAllocatedBytes(precise: true) - bytes0) / steps;
        double misses = (TensorArena.Misses - miss0) / (double)steps;
        foreach (var w in ws) w.Dispose();
        double flops = 3 * 2.0 * batch * size * size * 9 * (3 * c + c * c + c * 3);
        return new Result($"train step conv net {batch}x3x{size}x{size}, c={c}", best, flops / best / 1e9,
            string.Create(CultureInfo.InvariantCulture, $"best of {steps}; {bytes / 1024.0:F1} KiB managed/step, {misses:F1} arena misses/step, loss {loss:F4}"));
    }

    /// <summary>The standard set recorded in docs/tensors.md.</summary>
    public static IReadOnlyList<Result> RunAll(Action<string>? log = null, double minSeconds = 1.0)
    {
        var peak = MachinePeak();
        log?.Invoke(peak.ToString());
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"per-core peak {peak.GFlops / peak.Cores:F1} GFLOP/s; load average {LoadAverage()}"));
        var results = new List<Result>();
        void Add(Result r) { results.Add(r); log?.Invoke(r.ToString()); }
        Add(Gemm(1024, 1024, 1024, minSeconds));
        Add(Gemm(64, 65536, 576, minSeconds));   // 3×3 conv 64→64 on 256×256 as one GEMM (M=O, N=H·W, K=C·9)
        Add(Gemm(256, 256, 256, minSeconds));
        foreach (var r in Conv2d(1, 64, 256, 256, 64, 3, minSeconds)) Add(r);
        foreach (var r in Conv2d(4, 32, 128, 128, 32, 3, minSeconds)) Add(r);
        Add(TrainingStep());
        return results;
    }
}
