using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// The one driver per kernel shape: lengths, 4× unrolling, scalar tails and threading live here,
/// the maths lives in the operator structs. When <see cref="Vector256.IsHardwareAccelerated"/> is false
/// (e.g. DOTNET_EnableAVX2=0) every loop runs the scalar Invoke.
/// </summary>
internal static class ElementwiseDriver
{
    private const int Grain = 1 << 15;

    // ------------------------------------------------------------------ unary y = f(x), contiguous

    public static void Unary<T>(T op, float[] x, int xo, float[] y, int yo, int n) where T : struct, IUnaryKernel =>
        ParallelRange.For(n, Grain, new UnaryBody<T>(op, x, xo, y, yo));

    private readonly struct UnaryBody<T>(T op, float[] x, int xo, float[] y, int yo) : IRangeOperation where T : struct, IUnaryKernel
    {
        public void Invoke(int s, int e) => UnarySpan(op, x.AsSpan(xo + s, e - s), y.AsSpan(yo + s, e - s));
    }

    public static void UnarySpan<T>(T op, ReadOnlySpan<float> x, Span<float> y) where T : struct, IUnaryKernel
    {
        int n = x.Length, i = 0;
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                var a0 = Vector256.LoadUnsafe(ref px, (nuint)i);
                var a1 = Vector256.LoadUnsafe(ref px, (nuint)(i + 8));
                var a2 = Vector256.LoadUnsafe(ref px, (nuint)(i + 16));
                var a3 = Vector256.LoadUnsafe(ref px, (nuint)(i + 24));
                op.Invoke(a0).StoreUnsafe(ref py, (nuint)i);
                op.Invoke(a1).StoreUnsafe(ref py, (nuint)(i + 8));
                op.Invoke(a2).StoreUnsafe(ref py, (nuint)(i + 16));
                op.Invoke(a3).StoreUnsafe(ref py, (nuint)(i + 24));
            }
            for (; i <= n - 8; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref py, i) = op.Invoke(Unsafe.Add(ref px, i));
    }

    // ------------------------------------------------------------------ unary backward dx = dy * f'(x, y)

    public static void UnaryGrad<T>(T op, float[] x, int xo, float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n)
        where T : struct, IUnaryGradKernel =>
        ParallelRange.For(n, Grain, new UnaryGradBody<T>(op, x, xo, y, yo, dy, dyo, dx, dxo));

    private readonly struct UnaryGradBody<T>(T op, float[] x, int xo, float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo) : IRangeOperation
        where T : struct, IUnaryGradKernel
    {
        public void Invoke(int s, int e)
        {
            int n = e - s, i = 0;
            ref float px = ref x[xo + s];
            ref float py = ref y[yo + s];
            ref float pg = ref dy[dyo + s];
            ref float pd = ref dx[dxo + s];
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= n - 8; i += 8)
                    op.Invoke(Vector256.LoadUnsafe(ref px, (nuint)i), Vector256.LoadUnsafe(ref py, (nuint)i), Vector256.LoadUnsafe(ref pg, (nuint)i))
                      .StoreUnsafe(ref pd, (nuint)i);
            }
            for (; i < n; i++) Unsafe.Add(ref pd, i) = op.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), Unsafe.Add(ref pg, i));
        }
    }

    // ------------------------------------------------------------------ binary y = a op b, broadcast by strides

    public static void Binary<T>(T op, Tensor a, Tensor b, Tensor y) where T : struct, IBinaryKernel
    {
        var L = new StridedLayout(y.Shape, (a.Strides, a.Offset), (b.Strides, b.Offset), (y.Strides, y.Offset));
        if (L.Rows == 0) return;
        int grainRows = Math.Max(1, Grain / Math.Max(L.Inner, 1));
        ParallelRange.For(L.Rows, grainRows, new BinaryBody<T>(op, L, a.CpuArray, b.CpuArray, y.CpuArray));
    }

    private readonly struct BinaryBody<T>(T op, StridedLayout L, float[] a, float[] b, float[] y) : IRangeOperation where T : struct, IBinaryKernel
    {
        public void Invoke(int s, int e)
        {
            int n = L.Inner, sa = L.InnerStride(0), sb = L.InnerStride(1), sy = L.InnerStride(2);
            for (int r = s; r < e; r++)
            {
                int oa = L.RowOffset(0, r), ob = L.RowOffset(1, r), oy = L.RowOffset(2, r);
                BinaryRow(op, ref a[0], oa, sa, ref b[0], ob, sb, ref y[0], oy, sy, n);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BinaryRow<T>(T op, ref float a0, int oa, int sa, ref float b0, int ob, int sb, ref float y0, int oy, int sy, int n)
        where T : struct, IBinaryKernel
    {
        ref float pa = ref Unsafe.Add(ref a0, oa);
        ref float pb = ref Unsafe.Add(ref b0, ob);
        ref float py = ref Unsafe.Add(ref y0, oy);
        int i = 0;
        if (sy == 1 && Vector256.IsHardwareAccelerated)
        {
            if (sa == 1 && sb == 1)
                for (; i <= n - 8; i += 8)
                    op.Invoke(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            else if (sa == 1 && sb == 0)
            {
                var vb = Vector256.Create(pb);
                for (; i <= n - 8; i += 8) op.Invoke(Vector256.LoadUnsafe(ref pa, (nuint)i), vb).StoreUnsafe(ref py, (nuint)i);
            }
            else if (sa == 0 && sb == 1)
            {
                var va = Vector256.Create(pa);
                for (; i <= n - 8; i += 8) op.Invoke(va, Vector256.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref py, i * sy) = op.Invoke(Unsafe.Add(ref pa, i * sa), Unsafe.Add(ref pb, i * sb));
    }

    /// <summary>y = a op b over equal-length contiguous spans (single thread).</summary>
    public static void BinarySpan<T>(T op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) where T : struct, IBinaryKernel
    {
        if (a.Length != b.Length || y.Length != a.Length) throw new ArgumentException($"span lengths {a.Length}, {b.Length}, {y.Length} differ");
        BinaryRow(op, ref MemoryMarshal.GetReference(a), 0, 1, ref MemoryMarshal.GetReference(b), 0, 1, ref MemoryMarshal.GetReference(y), 0, 1, a.Length);
    }
}
