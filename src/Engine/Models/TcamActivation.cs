using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Models;

/// <summary>TCAM's activation, LeakyReLU(0.1), on a layer's fresh output: in place when no gradient is recorded.</summary>
internal static class TcamActivation
{
    public static Tensor LeakyRelu(Tensor fresh) => GradMode.IsEnabled ? fresh.LeakyRelu(0.1f) : fresh.LeakyReluInPlace(0.1f);
}
