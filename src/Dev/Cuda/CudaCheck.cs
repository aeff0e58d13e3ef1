using System.Diagnostics;
using System.Globalization;
using System.Text;
using HdrOfx.Dev.Benchmarks;
using HdrOfx.Dev.Nn;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Dev.Cuda;

/// <summary>Options of <see cref="CudaCheck.Run"/>: which parts to run and how big the benchmarks are.</summary>
public sealed record CudaCheckOptions(bool Parity = true, bool Benchmarks = true, int GemmSize = 4096, double MinSeconds = 1.0,
    int BandwidthFloats = 1 << 28, int ConvBatch = 8, int ConvSize = 256, int TrainSize = 128, int TrainBatch = 4, int MemorySteps = 1000,
    int ParityTrainSize = 32, int ParityTrainChannels = 8, int TrainSteps = 10,
    int TcamSmallWidth = 64, int TcamSmallHeight = 48, int TcamWidth = 1920, int TcamHeight = 1080, int TcamRepetitions = 3);

/// <summary>
/// Everything issue 5 asks a GPU machine to show, in one run of the self-contained binary (`hdrofx gpu-check`), as a
/// markdown report: the device and libraries, CPU/GPU parity of every op at fp32 (GEMM ops also TF32 and BF16), the
/// U-Net training parity, GEMM TFLOP/s at 4096³ in fp32/TF32/BF16, elementwise against copy bandwidth, conv2d
/// forward+backward throughput, the training-step speedup over the CPU, a 1,000-step training run without memory growth, the
/// error for an allocation larger than the device, and `tcam`'s forward pass on the device against the CPU (parity on small
/// windows, time and parity at 1080p).
/// </summary>
public static class CudaCheck
{
    /// <summary>Exit codes: 0 all parity checks passed, 1 some failed, 3 no usable CUDA device (everything skipped).</summary>
    public const int Passed = 0, Failed = 1, NoDevice = 3;

    public static int Run(StringBuilder report, Action<string> log, CudaCheckOptions options)
    {
        report.AppendLine("# HdrOfx GPU check\n");
        report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; host: {Environment.MachineName}, {Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}"));
        report.AppendLine($"- {CudaRuntime.Describe()}");
        report.AppendLine($"- kernel source: {CudaKernelSource.Kernels().Count} kernels in {CudaKernelSource.Files.Length} files, SHA-256 {CudaKernelSource.Hash[..16]}…");
        var gpu = CudaEngine.TryGet(out string why); // the engine's backend, the one `tcam` uses
        if (gpu is null)
        {
            report.AppendLine($"\n**SKIPPED**: no usable CUDA device ({why}). Nothing below was run.");
            return NoDevice;
        }
        var api = (CudaDriverApi)gpu.Api;
        foreach (var (lib, path) in CudaRuntime.Libraries!.LoadedFrom) report.AppendLine($"- {lib}: {path}");
        report.AppendLine($"- NVRTC {api.NvrtcVersion}; kernel cache {api.Cache.Folder}");
        var sw = Stopwatch.StartNew();
        gpu.Api.Function("hx_unary");
        report.AppendLine(Invariant($"- kernel module ready in {sw.Elapsed.TotalSeconds:F2} s ({(api.Cache.Hits > 0 ? "from the disk cache" : "compiled by NVRTC")}{(api.FromPtx ? ", from PTX" : ", cubin")})"));
        return RunOn(report, log, gpu, options);
    }

    /// <summary>The checks on a given backend (the tests run them on the emulated device at small sizes).</summary>
    public static int RunOn(StringBuilder report, Action<string> log, CudaBackend gpu, CudaCheckOptions options)
    {
        report.AppendLine();
        int failures = 0;
        if (options.Parity) failures += Parity(report, log, gpu, options);
        if (options.Benchmarks) Benchmarks(report, log, gpu, options);
        failures += Tcam(report, log, gpu, options);
        report.AppendLine(failures == 0 ? "\n**All parity checks passed.**" : $"\n**{failures} parity check(s) FAILED.**");
        return failures == 0 ? Passed : Failed;
    }

    private static int Parity(StringBuilder report, Action<string> log, CudaBackend gpu, CudaCheckOptions o)
    {
        report.AppendLine("## Parity with the CPU backend\n");
        report.AppendLine("Error: max|gpu − cpu| / max|cpu| over the output and every input gradient (worst tensor named). Tolerances fp32 1e-4, TF32 1e-3, BF16 1e-2; NaN fails.\n");
        report.AppendLine("| case | precision | error | tolerance | worst | result |");
        report.AppendLine("|---|---|---:|---:|---|---|");
        int failures = 0;
        foreach (var c in CudaParity.Cases())
        {
            foreach (var m in CudaParity.Precisions(c))
            {
                var r = CudaParity.Run(c, gpu, m);
                if (!r.Passed) failures++;
                string result = r.Passed ? "pass" : r.Error is not null ? "FAIL: " + OneLine(r.Error) : r.HasNaN ? "FAIL: NaN" : "FAIL";
                report.AppendLine(Invariant($"| {c.Name} | {m} | {r.RelativeError:E2} | {r.Tolerance:E0} | {r.Worst} | {result} |"));
                log($"parity {c.Name} {m}: {r.RelativeError:E2} {result}");
            }
        }
        report.AppendLine($"\nConvolution path: {gpu.ConvolutionPath}.");
        if (gpu.Api.HasCudnn && gpu.UseCudnn)
        {
            gpu.UseCudnn = false;
            try
            {
                var results = CudaParity.Cases().Where(c => c.Name.StartsWith("conv", StringComparison.Ordinal)).Select(c => CudaParity.Run(c, gpu)).ToList();
                var worst = results.MaxBy(r => r.RelativeError)!;
                int bad = results.Count(r => !r.Passed);
                failures += bad;
                report.AppendLine(Invariant($"The im2col + cuBLAS fallback on the same {results.Count} conv2d cases (fp32): worst error {worst.RelativeError:E2} ({worst.Name}); {(bad == 0 ? "all pass" : $"{bad} FAIL")}."));
            }
            finally { gpu.UseCudnn = true; }
        }
        try
        {
            var cpu = DeviceTraining.Run(Device.Cpu, steps: 5, size: o.ParityTrainSize, baseChannels: o.ParityTrainChannels);
            var dev = DeviceTraining.Run(gpu.Device, steps: 5, size: o.ParityTrainSize, baseChannels: o.ParityTrainChannels, synchronize: gpu.Synchronize);
            var (loss, weights) = DeviceTraining.Compare(cpu, dev);
            bool ok = loss <= 1e-3 && weights <= 1e-3;
            if (!ok) failures++;
            report.AppendLine(Invariant($"\nU-Net training (SmallUNet base {o.ParityTrainChannels}, 2×3×{o.ParityTrainSize}², 5 AdamW steps): losses differ by {loss:E2}, weights by {weights:E2} (tolerance 1e-3): {(ok ? "pass" : "FAIL")}; CPU losses {string.Join(", ", cpu.Losses.Select(v => v.ToString("G5", CultureInfo.InvariantCulture)))}, GPU {string.Join(", ", dev.Losses.Select(v => v.ToString("G5", CultureInfo.InvariantCulture)))}."));
        }
        catch (Exception e) when (e is CudaException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            failures++;
            report.AppendLine($"\nU-Net training parity FAILED: {e.GetType().Name}: {OneLine(e.Message)}");
        }
        report.AppendLine();
        return failures;
    }

    private static void Benchmarks(StringBuilder report, Action<string> log, CudaBackend gpu, CudaCheckOptions o)
    {
        report.AppendLine("## Benchmarks\n");
        report.AppendLine("| benchmark | best | throughput | detail |");
        report.AppendLine("|---|---:|---:|---|");
        void Row(string name, double seconds, string throughput, string detail)
        {
            report.AppendLine(Invariant($"| {name} | {seconds * 1e3:F3} ms | {throughput} | {detail} |"));
            log($"{name}: {seconds * 1e3:F3} ms, {throughput}");
        }
        int n = o.GemmSize;
        using (var scope = new TensorScope())
        {
            var a = Tensor.Full([n, n], 0.5f, gpu.Device);
            var b = Tensor.Full([n, n], 0.25f, gpu.Device);
            var c = Tensor.Empty([n, n], gpu.Device);
            foreach (var p in new[] { GemmPrecision.Fp32, GemmPrecision.Tf32, GemmPrecision.Bf16 })
            {
                gpu.MatMulPrecision = p;
                double t = Time(gpu, () => gpu.MatMul(a, b, c, false), o.MinSeconds);
                Row($"GEMM {n}³ {p}", t, Invariant($"{2.0 * n * n * n / t / 1e12:F1} TFLOP/s"), "cublasGemmStridedBatchedEx, fp32 in/out");
            }
            gpu.MatMulPrecision = GemmPrecision.Fp32;
        }
        using (var scope = new TensorScope())
        {
            int count = o.BandwidthFloats;
            var x = Tensor.Full([count], 1f, gpu.Device);
            var y = Tensor.Empty([count], gpu.Device);
            double tc = Time(gpu, () => gpu.Api.CopyDeviceToDevice(CudaBackend.At(y), CudaBackend.At(x), count * 4L, gpu.Stream), o.MinSeconds);
            double tu = Time(gpu, () => gpu.Unary(UnaryOp.MulScalar, x, y, 2f), o.MinSeconds);
            double tb = Time(gpu, () => gpu.Binary(BinaryOp.Add, x, x, y), o.MinSeconds);
            string size = count * 4L >= 1L << 30 ? Invariant($"{count * 4.0 / (1L << 30):0.#} GiB") : Invariant($"{count * 4.0 / (1L << 20):0.###} MiB");
            Row($"device copy {size}", tc, Invariant($"{2.0 * count * 4 / tc / 1e9:F0} GB/s"), "cuMemcpyDtoDAsync, read + write");
            Row($"unary x·2, {size}", tu, Invariant($"{2.0 * count * 4 / tu / 1e9:F0} GB/s"), Invariant($"{tc / tu * 100:F0} % of copy bandwidth"));
            Row($"binary x + x, {size}", tb, Invariant($"{3.0 * count * 4 / tb / 1e9:F0} GB/s"), Invariant($"{(3.0 / 2.0) * tc / tb * 100:F0} % of copy bandwidth"));
        }
        using (var scope = new TensorScope())
        {
            var rng = new Rng(3);
            int nb = o.ConvBatch, hw = o.ConvSize;
            var x = Tensor.Randn(rng, nb, 64, hw, hw).To(gpu.Device).RequireGrad();
            var w = Tensor.Randn(rng, [64, 64, 3, 3], 0.05f).To(gpu.Device).RequireGrad();
            double flops = 2.0 * nb * 64 * hw * hw * 64 * 9;
            double tf = Time(gpu, () => { using var s = new TensorScope(); Tensor.Conv2d(x, w, null, 1, 1); }, o.MinSeconds);
            double tfb = Time(gpu, () =>
            {
                using var s = new TensorScope();
                Tensor.Conv2d(x, w, null, 1, 1).Sum().Backward();
                x.ZeroGrad(); w.ZeroGrad();
            }, o.MinSeconds);
            Row(Invariant($"conv2d fwd {nb}×64×{hw}² → 64, 3×3"), tf, Invariant($"{flops / tf / 1e12:F1} TFLOP/s"), $"{gpu.ConvolutionPath}, fp32");
            Row(Invariant($"conv2d fwd+bwd {nb}×64×{hw}² → 64, 3×3"), tfb, Invariant($"{3 * flops / tfb / 1e12:F1} TFLOP/s"), Invariant($"{(double)nb * hw * hw / tfb / 1e6:F1} Mpix/s"));
        }
        try
        {
            var cpu = NnBenchmarks.UNetTrainStep(size: o.TrainSize, batch: o.TrainBatch, steps: 3);
            var dev = DeviceTraining.Run(gpu.Device, steps: o.TrainSteps, size: o.TrainSize, batch: o.TrainBatch, baseChannels: 16, synchronize: gpu.Synchronize);
            Row(Invariant($"U-Net train step {o.TrainBatch}×3×{o.TrainSize}², base 16"), dev.MedianStepMs / 1e3, Invariant($"{cpu.MedianMs / dev.MedianStepMs:F1}× the CPU"),
                Invariant($"GPU median of {o.TrainSteps} steps (min {dev.MinStepMs:F1} ms); CPU median {cpu.MedianMs:F1} ms on {cpu.Threads} threads"));
        }
        catch (Exception e) when (e is CudaException or NotSupportedException or InvalidOperationException)
        {
            report.AppendLine($"| U-Net train step | – | – | FAILED: {OneLine(e.Message)} |");
        }
        report.AppendLine("\nThe classical reconstruction has no GPU path yet (the 1080p/4K inference figures of issue 5 are not measured).\n");
        Memory(report, gpu, o);
    }

    /// <summary>
    /// `tcam` (issue 13) through <see cref="TcamDevice"/>, the path the method takes: random-weight compact models on random
    /// windows, device against the CPU's production path; small windows with 2 and 4 neighbours always, 1080p (timed)
    /// with the benchmarks. A device failure shows as the fallback's message.
    /// </summary>
    private static int Tcam(StringBuilder report, Action<string> log, CudaBackend gpu, CudaCheckOptions o)
    {
        report.AppendLine("## tcam on the device\n");
        report.AppendLine(Invariant($"The network's forward pass (config compact, every parameter random, random inputs) through `TcamDevice` against the CPU path (tiled, {Environment.ProcessorCount} threads). Error: max|gpu − cpu| / max|cpu| over the residual; tolerance {TcamDeviceCheck.Tolerance:G3}. GPU time per frame includes the input upload and the residual's copy back; first call also moves the weights.\n"));
        report.AppendLine("| window | neighbours | error | max abs residual | CPU | GPU | GPU first call | speed-up | result |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        var sizes = new List<(int W, int H, int K, int Reps)> { (o.TcamSmallWidth, o.TcamSmallHeight, 2, 1), (o.TcamSmallWidth, o.TcamSmallHeight, 4, 1) };
        if (o.Benchmarks) sizes.Add((o.TcamWidth, o.TcamHeight, 2, o.TcamRepetitions));
        int failures = 0;
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 7);
        foreach (var (w, h, k, reps) in sizes)
        {
            var device = new TcamDevice(() => (gpu, ""), m => log(m)); // a fresh placement per row: one row's fallback does not hide the next
            TcamDeviceResult r;
            try { r = TcamDeviceCheck.Run($"{w}x{h}", net, device, w, h, k, reps); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                r = new TcamDeviceResult($"{w}x{h}", w, h, k, double.NaN, 0, double.NaN, double.NaN, double.NaN, TcamDeviceCheck.Tolerance, $"{e.GetType().Name}: {e.Message}");
            }
            if (!r.Passed) failures++;
            string result = r.Passed ? "pass" : r.Error is not null ? "FAIL: " + OneLine(r.Error) : "FAIL";
            report.AppendLine(Invariant($"| {w}×{h} | {k} | {r.RelativeError:E2} | {r.MaxAbsCpu:G3} | {r.CpuSeconds * 1e3:F1} ms | {r.DeviceSeconds * 1e3:F1} ms | {r.FirstDeviceSeconds * 1e3:F1} ms | {r.CpuSeconds / r.DeviceSeconds:F1}× | {result} |"));
            log(Invariant($"tcam {w}x{h} K={k}: error {r.RelativeError:E2}, CPU {r.CpuSeconds * 1e3:F1} ms, GPU {r.DeviceSeconds * 1e3:F1} ms: {result}"));
        }
        report.AppendLine(Invariant($"\nDevice memory: the pool's peak in use over the whole check so far is {gpu.Pool.PeakInUseBytes / 1073741824.0:F2} GiB (every benchmark above included, with the benchmarks the {o.TcamWidth}×{o.TcamHeight} whole-image pass too), {gpu.Pool.CachedBytes / 1073741824.0:F2} GiB cached now."));
        report.AppendLine("\nOnly the network: the classical merge, the flows and the input planes of a real frame stay on the CPU (docs/models.md).\n");
        return failures;
    }

    /// <summary>A training run (the U-Net of the training parity, AdamW) of MemorySteps steps: no device allocation and no growth in use after the first steps.</summary>
    private static void Memory(StringBuilder report, CudaBackend gpu, CudaCheckOptions o)
    {
        report.AppendLine("## Memory\n");
        int steps = o.MemorySteps, settle = Math.Min(10, steps - 1);
        long allocs0 = 0, inUse0 = 0, inUseEnd = 0;
        DeviceTraining.Run(gpu.Device, steps, o.ParityTrainSize, baseChannels: o.ParityTrainChannels, synchronize: gpu.Synchronize, keepLosses: false,
            afterStep: s =>
            {
                if (s == settle) { allocs0 = gpu.Pool.DeviceAllocations; inUse0 = gpu.Pool.InUseBytes; }
                if (s == steps - 1) inUseEnd = gpu.Pool.InUseBytes;
            });
        long allocs = gpu.Pool.DeviceAllocations - allocs0;
        bool ok = allocs == 0 && inUseEnd == inUse0;
        report.AppendLine(Invariant($"- a {steps:N0}-step training run (SmallUNet base {o.ParityTrainChannels}, 2×3×{o.ParityTrainSize}², AdamW): {allocs} device allocations after step {settle + 1}, in use {inUse0 / 1048576.0:F2} MiB then and {inUseEnd / 1048576.0:F2} MiB at the end, peak {gpu.Pool.PeakInUseBytes / 1048576.0:F1} MiB, cached {gpu.Pool.CachedBytes / 1048576.0:F1} MiB: {(ok ? "no growth" : "GROWTH")}"));
        var (free, total) = gpu.Api.MemoryInfo();
        try
        {
            // Through the allocator every tensor uses (one tensor cannot exceed 2³¹ elements, less than this device).
            var block = gpu.Pool.Rent(total + total / 2, gpu.Stream);
            gpu.Pool.Return(block);
            report.AppendLine($"- an allocation of 1.5× the device's {total / 1073741824.0:F1} GiB did NOT fail");
        }
        catch (CudaException e) when (e.IsOutOfMemory)
        {
            report.AppendLine($"- an allocation of 1.5× the device ({total / 1073741824.0:F1} GiB, {free / 1073741824.0:F1} GiB free) fails with: `{OneLine(e.Message)}`");
        }
        report.AppendLine();
    }

    /// <summary>Best wall time of <paramref name="body"/> over repetitions filling <paramref name="minSeconds"/>, synchronized.</summary>
    private static double Time(CudaBackend gpu, Action body, double minSeconds)
    {
        body();
        gpu.Synchronize();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        int reps = 0;
        while (reps < 3 || total.Elapsed.TotalSeconds < minSeconds)
        {
            var t = Stopwatch.StartNew();
            body();
            gpu.Synchronize();
            best = Math.Min(best, t.Elapsed.TotalSeconds);
            if (++reps >= 1000) break;
        }
        return best;
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ').Replace("|", "\\|");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
