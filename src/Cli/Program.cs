using System.CommandLine;
using HdrOfx.Cli.Commands;
using HdrOfx.Engine.Reconstruction;

BuiltInMethods.EnsureRegistered();

var root = new RootCommand("hdrofx: rebuild scene-linear HDR video from alternating-exposure LDR footage.")
{
    DemoCommand.Create(),
    SynthCommand.Create(),
    ReconstructCommand.Create(),
    EvalCommand.Create(),
    BenchCommand.Create(),
    GpuCheckCommand.Create(),
    TrainCommand.Create(),
};
return root.Parse(args).Invoke();
