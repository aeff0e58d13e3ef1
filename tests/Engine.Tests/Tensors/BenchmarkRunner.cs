using HdrOfx.Dev.Benchmarks;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>Runs the benchmarks on demand: dotnet test --filter "FullyQualifiedName~BenchmarkRunner".</summary>
[Explicit("benchmark; run on demand")]
public class BenchmarkRunner
{
    [Test]
    public void RunAll() => TensorBenchmarks.RunAll(s => TestContext.Out.WriteLine(s));

    [Test]
    public void GemmOnly()
    {
        TestContext.Out.WriteLine(TensorBenchmarks.MachinePeak());
        TestContext.Out.WriteLine(TensorBenchmarks.Gemm(1024, 1024, 1024));
        TestContext.Out.WriteLine(TensorBenchmarks.Gemm(64, 65536, 576));
    }
}

[Explicit("benchmark; run on demand")]
public class ConvBenchmarkRunner
{
    [Test]
    public void ConvOnly()
    {
        foreach (var r in TensorBenchmarks.Conv2dPhases(1, 64, 256, 256, 64, 3, 2.0)) TestContext.Out.WriteLine(r);
        foreach (var r in TensorBenchmarks.Conv2dPhases(4, 32, 128, 128, 32, 3, 2.0)) TestContext.Out.WriteLine(r);
        foreach (var r in TensorBenchmarks.Conv2d(1, 64, 256, 256, 64, 3, 0.5)) TestContext.Out.WriteLine(r);
        foreach (var r in TensorBenchmarks.Conv2d(4, 32, 128, 128, 32, 3, 0.5)) TestContext.Out.WriteLine(r);
    }
}

[Explicit("benchmark; run on demand")]
public class TrainStepBenchmarkRunner
{
    [Test]
    public void TrainStep() => TestContext.Out.WriteLine(TensorBenchmarks.TrainingStep());
}
