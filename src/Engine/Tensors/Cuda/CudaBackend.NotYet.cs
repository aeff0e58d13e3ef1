namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>The ops of part 1 that have no CUDA kernels yet (deformable convolution): each throws, naming itself (docs/gpu.md).</summary>
public sealed partial class CudaBackend
{
    private static NotSupportedException NotYet(string op) =>
        new($"{op} is not implemented on the CUDA backend yet (docs/gpu.md); run this model on the CPU");

    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p) => throw NotYet(nameof(DeformConv2d));
    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p) => throw NotYet(nameof(DeformConv2dBackward));
}
