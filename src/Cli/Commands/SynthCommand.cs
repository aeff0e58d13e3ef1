using System.CommandLine;

namespace HdrOfx.Cli.Commands;

public static class SynthCommand
{
    public static Command Create() => new("synth", "(being built)");
}
