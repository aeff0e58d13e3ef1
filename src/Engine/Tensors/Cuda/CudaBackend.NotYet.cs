namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>The ops of part 1 that have no CUDA kernels yet: each throws, naming itself (docs/gpu.md keeps the list).</summary>
public sealed partial class CudaBackend
{
    private static NotSupportedException NotYet(string op) =>
        new($"{op} is not implemented on the CUDA backend yet (docs/gpu.md); run this model on the CPU");

    public void Sample2d(Tensor x, Tensor coords, Tensor y, SampleParams p) => throw NotYet(nameof(Sample2d));
    public void Sample2dBackward(Tensor x, Tensor coords, Tensor dy, Tensor? dx, Tensor? dcoords, SampleParams p) => throw NotYet(nameof(Sample2dBackward));
    public void AvgPool2d(Tensor x, Tensor y, Pool2dParams p) => throw NotYet(nameof(AvgPool2d));
    public void AvgPool2dBackward(Tensor dy, Tensor dx, Pool2dParams p) => throw NotYet(nameof(AvgPool2dBackward));
    public void MaxPool2d(Tensor x, Tensor y, Pool2dParams p) => throw NotYet(nameof(MaxPool2d));
    public void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, Pool2dParams p) => throw NotYet(nameof(MaxPool2dBackward));
    public void Pad2d(Tensor x, Tensor y, Pad2dParams p) => throw NotYet(nameof(Pad2d));
    public void Pad2dBackward(Tensor dy, Tensor dx, Pad2dParams p) => throw NotYet(nameof(Pad2dBackward));
    public void Resize2d(Tensor x, Tensor y, ResizeMode mode, bool alignCorners) => throw NotYet(nameof(Resize2d));
    public void Resize2dBackward(Tensor dy, Tensor dx, ResizeMode mode, bool alignCorners) => throw NotYet(nameof(Resize2dBackward));
    public void Correlation(Tensor f1, Tensor f2, Tensor y, int radius) => throw NotYet(nameof(Correlation));
    public void CorrelationBackward(Tensor f1, Tensor f2, Tensor dy, Tensor? df1, Tensor? df2, int radius) => throw NotYet(nameof(CorrelationBackward));
    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p) => throw NotYet(nameof(DeformConv2d));
    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p) => throw NotYet(nameof(DeformConv2dBackward));
}
