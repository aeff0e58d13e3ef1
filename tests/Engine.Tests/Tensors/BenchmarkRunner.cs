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
