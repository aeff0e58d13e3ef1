using System.Diagnostics;
using System.Runtime.Intrinsics;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// Runtime startup hook (it must be a global-namespace type named StartupHook). When the test assembly is started
/// as a plain app — <c>dotnet HdrOfx.Engine.Tests.dll</c> with DOTNET_STARTUP_HOOKS pointing at the same dll and
/// HDROFX_TENSOR_SELFTEST=1 — it runs <see cref="FallbackSelfTest"/> and exits with its status before the (empty)
/// generated Main. Under normal test runs the variable is unset and nothing happens. This lets a test re-run the
/// kernels in a child process with DOTNET_EnableAVX2=0 or DOTNET_EnableHWIntrinsic=0, without `dotnet test`.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("HDROFX_TENSOR_BENCH") == "1")
        {
            // the same startup-hook door runs the benchmarks without the test host: see docs/tensors.md §8
            HdrOfx.Dev.Benchmarks.TensorBenchmarks.RunAll(Console.WriteLine);
            Console.Out.Flush();
            Environment.Exit(0);
        }
        if (Environment.GetEnvironmentVariable("HDROFX_TENSOR_SELFTEST") != "1") return;
        int failures;
        try { failures = FallbackSelfTest.Run(Console.Out); }
        catch (Exception e) { Console.WriteLine("self-test crashed: " + e); failures = 1; }
        Console.Out.Flush();
        Environment.Exit(failures == 0 ? 0 : 1);
    }
}

namespace HdrOfx.Engine.Tests.Tensors
{
    /// <summary>The checks the child process runs: every kernel family against its float64 reference.</summary>
    public static class FallbackSelfTest
    {
        public static int Run(TextWriter log)
        {
            log.WriteLine($"vector256={Vector256.IsHardwareAccelerated} simd={Sgemm.IsAccelerated} avx2={System.Runtime.Intrinsics.X86.Avx2.IsSupported} gemm-kernel={Sgemm.KernelName}");
            int failures = 0;
            void Check(string name, Func<GradCheck.Report> f, double fwdTol, double gradTol)
            {
                try
                {
                    var r = f();
                    bool ok = r.ForwardMaxRel < fwdTol && r.GradMaxRel < gradTol;
                    log.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: {r}");
                    if (!ok) failures++;
                }
                catch (Exception e) { log.WriteLine($"FAIL {name}: {e.GetType().Name}: {e.Message}"); failures++; }
            }

            var rng = new Rng(1);
            foreach (int n in new[] { 1, 7, 8, 33, 257 })
            {
                var x = TestData.Randn(rng, new[] { n }, 1e-2f);
                var p = TestData.Positive(rng, new[] { n });
                Check($"gelu n={n}", () => GradCheck.Check(t => t[0].Gelu(), r => Reference.Map(r[0], Reference.Gelu), new[] { x }), 1e-5, 1e-4);
                Check($"silu n={n}", () => GradCheck.Check(t => t[0].Silu(), r => Reference.Map(r[0], v => v * Reference.Sigmoid(v)), new[] { x }), 1e-5, 1e-4);
                Check($"tanh n={n}", () => GradCheck.Check(t => t[0].Tanh(), r => Reference.Map(r[0], Math.Tanh), new[] { x }), 1e-5, 1e-4);
                Check($"exp n={n}", () => GradCheck.Check(t => t[0].Exp(), r => Reference.Map(r[0], Math.Exp), new[] { x }), 1e-5, 1e-4);
                Check($"log n={n}", () => GradCheck.Check(t => t[0].Log(), r => Reference.Map(r[0], Math.Log), new[] { p }), 1e-5, 1e-4);
                Check($"softplus n={n}", () => GradCheck.Check(t => t[0].Softplus(), r => Reference.Map(r[0], v => Math.Log(1 + Math.Exp(v))), new[] { x }), 1e-5, 1e-4);
                Check($"relu n={n}", () => GradCheck.Check(t => t[0].Relu(), r => Reference.Map(r[0], v => Math.Max(v, 0)), new[] { x }), 1e-5, 1e-4);
            }
            var a = Tensor.Randn(rng, 2, 3, 17); var b = Tensor.Randn(rng, 3, 1);
            Check("broadcast mul", () => GradCheck.Check(t => t[0] * t[1], r => Reference.Binary(r[0], r[1], (u, v) => u * v), new[] { a, b }), 1e-6, 1e-5);
            Check("sum", () => GradCheck.Check(t => t[0].Sum(new[] { 0, 2 }, true), r => Reference.Sum(r[0], new[] { 0, 2 }, true), new[] { a }), 1e-5, 1e-5);
            Check("softmax", () => GradCheck.Check(t => t[0].Softmax(-1), r => Reference.Softmax(r[0], -1), new[] { a }), 1e-5, 1e-4);
            var m1 = Tensor.Randn(rng, 2, 19, 37); var m2 = Tensor.Randn(rng, 37, 23);
            Check("matmul", () => GradCheck.Check(t => Tensor.MatMul(t[0], t[1]), r => Reference.MatMul(r[0], r[1]), new[] { m1, m2 }), 1e-4, 1e-4);
            var cx = Tensor.Randn(rng, 2, 4, 9, 8); var cw = Tensor.Randn(rng, new[] { 6, 2, 3, 3 }, 0.5f); var cb = Tensor.Randn(rng, 6);
            Check("conv2d", () => GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1, 1, 2), r => Reference.Conv2d(r[0], r[1], r[2], 2, 2, 1, 1, 1, 1, 2), new[] { cx, cw, cb }, maxPerInput: 24), 1e-4, 1e-4);

            var tx = Tensor.Randn(rng, 1, 4, 3, 5); var tw = Tensor.Randn(rng, new[] { 4, 3, 3, 3 }, 0.5f);
            Check("conv_transpose2d", () => GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], null, 2, 1, 1, 1, 2), r => Reference.ConvTranspose2d(r[0], r[1], null, 2, 1, 1, 1, 2), new[] { tx, tw }, maxPerInput: 24), 1e-4, 1e-4);
            var l1 = Tensor.Randn(rng, 2, 3, 5); var l2 = Tensor.Randn(rng, 2, 3, 5);
            Check("charbonnier", () => GradCheck.Check(t => Tensor.CharbonnierLoss(t[0], t[1]), r => new RefTensor(new[] { Reference.Mean(Reference.Binary(r[0], r[1], (u, v) => Math.Sqrt((u - v) * (u - v) + 1e-6))) }, Array.Empty<int>()), new[] { l1, l2 }), 1e-5, 1e-4);

            // SGEMM odd shapes, both layouts
            int[] sizes = { 1, 5, 17, 33, 130, 257 };
            foreach (int m in sizes)
            foreach (int k in new[] { 1, 31, 300 })
            {
                int n = sizes[(m + k) % sizes.Length];
                var A = new float[m * k]; var B = new float[k * n]; var C = new float[m * n];
                rng.FillUniform(A, -1, 1); rng.FillUniform(B, -1, 1);
                Sgemm.Run(m, n, k, A, 0, k, 1, B, 0, n, 1, C, 0, n, false);
                try { SgemmTests.AssertClose(m, n, k, A, k, 1, B, n, 1, null, C, $"sgemm {m}x{n}x{k}"); }
                catch (Exception e) { log.WriteLine("FAIL " + e.Message); failures++; }
            }
            log.WriteLine($"sgemm shapes checked; failures={failures}");
            failures += Ops2.VisionFallbackChecks.Run(log);
            failures += HdrOfx.Engine.Tests.IO.IoFallbackChecks.Run(log);
            log.WriteLine(failures == 0 ? "SELFTEST PASSED" : "SELFTEST FAILED");
            return failures;
        }

        /// <summary>Starts this test assembly as a child process with extra environment variables and returns (exit code, output).</summary>
        public static (int ExitCode, string Output) RunChild(params (string Key, string Value)[] env)
        {
            string dll = typeof(FallbackSelfTest).Assembly.Location;
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("exec");
            psi.ArgumentList.Add(dll);
            psi.Environment["DOTNET_STARTUP_HOOKS"] = dll;
            psi.Environment["HDROFX_TENSOR_SELFTEST"] = "1";
            foreach (var (k, v) in env) psi.Environment[k] = v;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(300_000)) { p.Kill(true); return (-1, "timeout\n" + stdout.Result); }
            return (p.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
