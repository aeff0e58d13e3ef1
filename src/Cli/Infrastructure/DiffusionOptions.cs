using System.Globalization;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>The range checks of the neural methods' options that `reconstruct` and `eval --hdr-v-diff` share.</summary>
public static class DiffusionOptions
{
    /// <summary>--ldm-steps: 1 to 50.</summary>
    public static int Steps(int steps) => steps is < DdimSampler.MinSteps or > DdimSampler.MaxSteps
        ? throw new CliError($"--ldm-steps {steps} is outside {DdimSampler.MinSteps} to {DdimSampler.MaxSteps}")
        : steps;

    /// <summary>--prior-strength: λ from 0 to <see cref="HdrVDiffReconstruction.MaxPriorStrength"/>.</summary>
    public static float PriorStrength(double lambda) => lambda is >= 0 and <= HdrVDiffReconstruction.MaxPriorStrength
        ? (float)lambda
        : throw new CliError($"--prior-strength {lambda.ToString(CultureInfo.InvariantCulture)} is outside 0 to {HdrVDiffReconstruction.MaxPriorStrength}");
}
