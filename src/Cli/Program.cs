using System.CommandLine;
using HdrOfx.Cli.Commands;
using HdrOfx.Engine.Classical;

// The methods this tool offers, registered explicitly (NativeAOT: no discovery by reflection).
ClassicalMethods.Register();
HdrOfx.Engine.Models.TcamMethods.Register();
HdrOfx.Engine.Models.Ldm.LdmMethods.Register();
HdrOfx.Engine.Models.Zica.HdrVDiffMethods.Register();

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
