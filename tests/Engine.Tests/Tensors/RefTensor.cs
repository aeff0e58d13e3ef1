namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// A float64 dense row-major array with a shape: the operand type of the scalar references.
/// Deliberately naive (index arithmetic, no SIMD, no blocking) so it shares nothing with the engine's kernels.
/// </summary>
public sealed class RefTensor
{
    public double[] Data { get; }
    public int[] Shape { get; }

    public RefTensor(double[] data, int[] shape)
    {
        long n = 1; foreach (int d in shape) n *= d;
        if (n != data.Length) throw new ArgumentException($"{data.Length} values for shape [{string.Join(",", shape)}]");
        Data = data; Shape = shape;
    }

    public RefTensor(int[] shape) : this(new double[Numel(shape)], shape) { }

    public static int Numel(int[] shape) { int n = 1; foreach (int d in shape) n *= d; return n; }

    public int Rank => Shape.Length;
    public int Length => Data.Length;

    public int[] Strides
    {
        get
        {
            var s = new int[Shape.Length]; int acc = 1;
            for (int i = Shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= Shape[i]; }
            return s;
        }
    }

    public int[] Unravel(int flat)
    {
        var idx = new int[Shape.Length];
        for (int i = Shape.Length - 1; i >= 0; i--) { idx[i] = flat % Shape[i]; flat /= Shape[i]; }
        return idx;
    }

    public int Ravel(int[] idx)
    {
        int f = 0;
        for (int i = 0; i < Shape.Length; i++) f = f * Shape[i] + idx[i];
        return f;
    }

    public double this[params int[] idx] { get => Data[Ravel(idx)]; set => Data[Ravel(idx)] = value; }
}
