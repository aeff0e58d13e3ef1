using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Models;

/// <summary>
/// Frees a stage's intermediates as soon as it ends when no gradient is recorded (inference): the stage runs in its
/// own <see cref="TensorScope"/> and only its outputs move to the enclosing one. With gradients on, the backward
/// pass needs the intermediates, so the stage runs as is. Keeps a 1080p frame's peak memory to a few stages' worth.
/// </summary>
internal static class InferenceScope
{
    public static Tensor Run(Func<Tensor> stage)
    {
        if (GradMode.IsEnabled) return stage();
        using var scope = new TensorScope();
        return TensorScope.Keep(stage());
    }

    public static FeaturePyramid Run(Func<FeaturePyramid> stage)
    {
        if (GradMode.IsEnabled) return stage();
        using var scope = new TensorScope();
        var p = stage();
        return new FeaturePyramid(TensorScope.Keep(p.Full), TensorScope.Keep(p.Half), TensorScope.Keep(p.Quarter));
    }
}
