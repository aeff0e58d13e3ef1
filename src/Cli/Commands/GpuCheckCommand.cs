using System.CommandLine;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Tensors.Cuda;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx gpu-check`: CUDA parity and benchmarks on this machine's GPU, as a markdown report (docs/gpu.md).</summary>
public static class GpuCheckCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Also write the report (markdown) to this file." };
        var skipBench = new Option<bool>("--parity-only") { Description = "Run the parity checks only, no benchmarks." };
        var gemm = new Option<int>("--gemm-size") { Description = "Matrix size of the GEMM benchmark.", DefaultValueFactory = _ => 4096 };
        var cmd = new Command("gpu-check",
            "Check the CUDA backend against the CPU (every op, forward and backward; the U-Net training; tcam's forward pass) and measure it. " +
            "Exit 0: all parity checks passed; 1: some failed; 3: no usable CUDA device (nothing run).")
        {
            output, skipBench, gemm,
        };
        cmd.SetAction(r => CliRunner.Run("gpu-check", (logs, cancel) =>
        {
            if (r.GetValue(gemm) < 16) throw new CliError($"--gemm-size must be at least 16 (got {r.GetValue(gemm)})");
            var log = logs.CreateLogger("gpu-check");
            var report = new System.Text.StringBuilder();
            int code = CudaCheck.Run(report, m => log.LogInformation("{Message}", m),
                new CudaCheckOptions(Benchmarks: !r.GetValue(skipBench), GemmSize: r.GetValue(gemm)));
            Console.Out.Write(report);
            if (r.GetValue(output) is { } path) AtomicFile.WriteText(path, report.ToString());
            return code;
        }));
        return cmd;
    }
}
