using System.Diagnostics;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Tensors.Profiling;

/// <summary>Times every kernel call of the CPU backend into <see cref="OpProfiler"/> (installed by <see cref="OpProfiler.Start"/>).</summary>
internal sealed class ProfilingBackend(CpuBackend inner) : IBackend
{
    private static long Bytes(Tensor? t) => t is null ? 0 : 4L * t.Numel;

    private static void Time(string op, Tensor? output, Action run)
    {
        long t0 = Stopwatch.GetTimestamp();
        run();
        OpProfiler.Record(op, Stopwatch.GetTimestamp() - t0, Bytes(output));
    }

    private static string ConvName(Tensor x, Tensor w, Conv2dParams p) =>
        $"Conv2d {w.Shape[2]}x{w.Shape[3]} {x.Shape[1]}->{w.Shape[0]}{(p.Groups > 1 ? " dw" : "")}{(p.StrideH > 1 ? " s2" : "")}";

    public Device Device => inner.Device;
    public Storage Allocate(int length, DType dtype, bool zero) => inner.Allocate(length, dtype, zero);
    public void Copy(Tensor src, Tensor dst) => Time("Copy", dst, () => inner.Copy(src, dst));
    public void Fill(Tensor dst, float value) => Time("Fill", dst, () => inner.Fill(dst, value));
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.CopyFromHost(src, dst);
        OpProfiler.Record("CopyFromHost", Stopwatch.GetTimestamp() - t0, Bytes(dst));
    }
    public void CopyToHost(Tensor src, Span<float> dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.CopyToHost(src, dst);
        OpProfiler.Record("CopyToHost", Stopwatch.GetTimestamp() - t0, 0);
    }
    public void Unary(UnaryOp op, Tensor x, Tensor y, float alpha) => Time("Unary " + op, y, () => inner.Unary(op, x, y, alpha));
    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha) => Time("UnaryBackward " + op, dx, () => inner.UnaryBackward(op, x, y, dy, dx, alpha));
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) => Time("Binary " + op, y, () => inner.Binary(op, a, b, y));
    public void SumTo(Tensor x, Tensor y) => Time("SumTo", y, () => inner.SumTo(x, y));
    public void Softmax(Tensor x, Tensor y, int dim) => Time("Softmax", y, () => inner.Softmax(x, y, dim));
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int dim) => Time("SoftmaxBackward", dx, () => inner.SoftmaxBackward(y, dy, dx, dim));
    public void MatMul(Tensor a, Tensor b, Tensor c, bool accumulate) => Time("MatMul", c, () => inner.MatMul(a, b, c, accumulate));
    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dParams p) => Time(ConvName(x, w, p), y, () => inner.Conv2d(x, w, bias, y, p));
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p) => Time("Conv2dBackwardInput", dx, () => inner.Conv2dBackwardInput(dy, w, dx, p));
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p) => Time("Conv2dBackwardWeight", dw, () => inner.Conv2dBackwardWeight(x, dy, dw, p));
    public void GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, int groups, float eps) => Time("GroupNorm", y, () => inner.GroupNorm(x, gamma, beta, y, mean, rstd, groups, eps));
    public void GroupNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta, int groups) => Time("GroupNormBackward", dx, () => inner.GroupNormBackward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, groups));
    public void ChannelNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, float eps) => Time("ChannelNorm", y, () => inner.ChannelNorm(x, gamma, beta, y, mean, rstd, eps));
    public void ChannelNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta) => Time("ChannelNormBackward", dx, () => inner.ChannelNormBackward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta));
    public void Sample2d(Tensor x, Tensor coords, Tensor y, SampleParams p) => Time(p.Flow ? "Sample2d flow" : "Sample2d grid", y, () => inner.Sample2d(x, coords, y, p));
    public void Sample2dBackward(Tensor x, Tensor coords, Tensor dy, Tensor? dx, Tensor? dcoords, SampleParams p) => Time("Sample2dBackward", dx, () => inner.Sample2dBackward(x, coords, dy, dx, dcoords, p));
    public void AvgPool2d(Tensor x, Tensor y, Pool2dParams p) => Time("AvgPool2d", y, () => inner.AvgPool2d(x, y, p));
    public void AvgPool2dBackward(Tensor dy, Tensor dx, Pool2dParams p) => Time("AvgPool2dBackward", dx, () => inner.AvgPool2dBackward(dy, dx, p));
    public void MaxPool2d(Tensor x, Tensor y, Pool2dParams p) => Time("MaxPool2d", y, () => inner.MaxPool2d(x, y, p));
    public void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, Pool2dParams p) => Time("MaxPool2dBackward", dx, () => inner.MaxPool2dBackward(x, dy, dx, p));
    public void Pad2d(Tensor x, Tensor y, Pad2dParams p) => Time("Pad2d", y, () => inner.Pad2d(x, y, p));
    public void Pad2dBackward(Tensor dy, Tensor dx, Pad2dParams p) => Time("Pad2dBackward", dx, () => inner.Pad2dBackward(dy, dx, p));
    public void Resize2d(Tensor x, Tensor y, ResizeMode mode, bool alignCorners) => Time("Resize2d", y, () => inner.Resize2d(x, y, mode, alignCorners));
    public void Resize2dBackward(Tensor dy, Tensor dx, ResizeMode mode, bool alignCorners) => Time("Resize2dBackward", dx, () => inner.Resize2dBackward(dy, dx, mode, alignCorners));
    public void Correlation(Tensor f1, Tensor f2, Tensor y, int radius) => Time("Correlation", y, () => inner.Correlation(f1, f2, y, radius));
    public void CorrelationBackward(Tensor f1, Tensor f2, Tensor dy, Tensor? df1, Tensor? df2, int radius) => Time("CorrelationBackward", df1, () => inner.CorrelationBackward(f1, f2, dy, df1, df2, radius));
    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p) => Time("DeformConv2d", y, () => inner.DeformConv2d(x, offset, mask, w, bias, y, p));
    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy, Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p) =>
        Time("DeformConv2dBackward", dx, () => inner.DeformConv2dBackward(x, offset, mask, w, dy, dx, doffset, dmask, dw, p));
}
