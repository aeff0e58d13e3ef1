using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using HdrOfx.Engine.Tensors.Profiling;
using HdrOfx.Engine.Tests.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// On demand: dotnet test --filter "FullyQualifiedName~TcamProfileRunner" --logger "console;verbosity=normal".
/// One `tcam` frame (compact, 3-frame 2-exposure window) after a small warm-up frame: the time of each part of the
/// method (classical merge, flows, input, network, residual) and, inside the network, every kernel call by stage.
/// </summary>
[Explicit("profile; run on demand")]
public class TcamProfileRunner
{
    [TestCase(1920, 1080)]
    [TestCase(960, 540)]
    public void Profile(int w, int h)
    {
        using var net = TcamWeights.Load(ShippedWeights);
        if (int.TryParse(Environment.GetEnvironmentVariable("TCAM_TILE"), out int tile)) net.InferenceTile = tile;
        var window = Window(w, h);
        TestContext.Out.WriteLine($"{w}x{h}, tile {net.InferenceTile}, {Environment.ProcessorCount} logical CPUs, load {File.ReadAllText("/proc/loadavg").Trim()}");
        TcamReconstruction.Prepare(window, 1, new ReconstructOptions(), default);
        var sw = Stopwatch.StartNew();
        var cpuPrep = Process.GetCurrentProcess().TotalProcessorTime;
        var (classical, sample) = TcamReconstruction.Prepare(window, 1, new ReconstructOptions(), default);
        TestContext.Out.WriteLine($"classical merge + flows + input (second call): {sw.Elapsed.TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpuPrep).TotalSeconds:F2} s CPU");
        sw.Restart();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        TcamReconstruction.Infer(net, sample!);
        TestContext.Out.WriteLine($"network, first call: {sw.Elapsed.TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F2} s CPU, arena {TensorArena.BytesAllocated >> 20} MiB");
        long arena0 = TensorArena.BytesAllocated;
        float[] r;
        sw.Restart();
        cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        using (OpProfiler.Start()) r = TcamReconstruction.Infer(net, sample!);
        double netS = sw.Elapsed.TotalSeconds, netCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        sw.Restart();
        cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        TcamReconstruction.ApplyResidual(sample!, r);
        TestContext.Out.WriteLine($"residual applied: {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F2} s CPU");
        TestContext.Out.WriteLine($"network, profiled second call: {netS:F2} s wall, {netCpu:F2} s CPU; residual applied: {sw.Elapsed.TotalSeconds:F2} s; arena +{(TensorArena.BytesAllocated - arena0) >> 20} MiB; peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB; load {File.ReadAllText("/proc/loadavg").Trim()}");
        TestContext.Out.WriteLine(OpProfiler.Report());
    }

    internal static string ShippedWeights
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HdrOfx.sln"))) dir = dir.Parent;
            return Path.Combine(dir!.FullName, "bundle", "Contents", "Resources", "models", "tcam.safetensors");
        }
    }

    internal static FrameInput?[] Window(int w, int h)
    {
        var pano = ProceduralHdr.Panorama(w, h, 1);
        var window = new FrameInput?[3];
        for (int i = 0; i < 3; i++)
        {
            double ev = i == 1 ? -1 : 1;
            var lin = new ImageF(w, h, 3);
            for (int p = 0; p < lin.Data.Length; p++) lin.Data[p] = Math.Clamp(pano.Data[p] * (float)Math.Pow(2, ev), 0f, 1f);
            window[i] = new FrameInput(lin, ev);
        }
        return window;
    }
}
