using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Local cost volume (FlowNet's correlation layer, Dosovitskiy et al. 2015, with 1×1 patches): for every
/// displacement (dy, dx) in [−R, R]², y = mean over channels of f1(p)·f2(p + d), zero where p + d leaves f2.
/// Forward runs over (n, displacement) with the row loop vectorized over x; both gradients run over (n, c)
/// planes, so each scatter owns its plane.
/// </summary>
public sealed partial class CpuBackend
{
    public void Correlation(Tensor f1, Tensor f2, Tensor y, int radius)
    {
        int n = f1.Shape[0], d = 2 * radius + 1;
        ParallelRange.For(n * d * d, 1, new CorrFwd(f1.CpuArray, f1.Offset, f2.CpuArray, f2.Offset, y.CpuArray, y.Offset,
            f1.Shape[1], f1.Shape[2], f1.Shape[3], radius));
    }

    private readonly record struct CorrFwd(float[] F1, int O1, float[] F2, int O2, float[] Y, int Yo, int C, int H, int W, int R) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int d = 2 * R + 1, plane = H * W;
            float inv = 1f / C;
            for (int t = s; t < e; t++)
            {
                int n = t / (d * d), k = t % (d * d), dy = k / d - R, dx = k % d - R;
                int yb = Yo + t * plane;
                Array.Clear(Y, yb, plane);
                int y0 = Math.Max(0, -dy), y1 = Math.Min(H, H - dy), x0 = Math.Max(0, -dx), x1 = Math.Min(W, W - dx);
                if (x1 <= x0) continue;
                for (int c = 0; c < C; c++)
                {
                    int b1 = O1 + (n * C + c) * plane, b2 = O2 + (n * C + c) * plane;
                    for (int i = y0; i < y1; i++)
                        MulAdd(F1.AsSpan(b1 + i * W + x0, x1 - x0), F2.AsSpan(b2 + (i + dy) * W + x0 + dx, x1 - x0), Y.AsSpan(yb + i * W + x0, x1 - x0), 1f);
                }
                CpuBackend.AxpbSpan(Y.AsSpan(yb, plane), Y.AsSpan(yb, plane), inv, 0f);
            }
        }
    }

    /// <summary>z += a·u·v.</summary>
    internal static void MulAdd(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> z, float a)
    {
        int i = 0, n = u.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
                (Vector256.Create(z.Slice(i, 8)) + Vector256.Create(u.Slice(i, 8)) * Vector256.Create(v.Slice(i, 8)) * va).CopyTo(z.Slice(i, 8));
        }
        for (; i < n; i++) z[i] += a * u[i] * v[i];
    }

    public void CorrelationBackward(Tensor f1, Tensor f2, Tensor dy, Tensor? df1, Tensor? df2, int radius)
    {
        int n = f1.Shape[0], c = f1.Shape[1];
        ParallelRange.For(n * c, 1, new CorrBwd(f1.CpuArray, f1.Offset, f2.CpuArray, f2.Offset, dy.CpuArray, dy.Offset,
            df1?.CpuArray, df1?.Offset ?? 0, df2?.CpuArray, df2?.Offset ?? 0, c, f1.Shape[2], f1.Shape[3], radius));
    }

    private readonly record struct CorrBwd(float[] F1, int O1, float[] F2, int O2, float[] G, int Go, float[]? D1, int Od1, float[]? D2, int Od2,
        int C, int H, int W, int R) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int d = 2 * R + 1, plane = H * W;
            float inv = 1f / C;
            for (int t = s; t < e; t++)
            {
                int n = t / C;
                int b1 = O1 + t * plane, b2 = O2 + t * plane;
                if (D1 != null) Array.Clear(D1, Od1 + t * plane, plane);
                if (D2 != null) Array.Clear(D2, Od2 + t * plane, plane);
                for (int k = 0; k < d * d; k++)
                {
                    int dy = k / d - R, dx = k % d - R;
                    int gb = Go + (n * d * d + k) * plane;
                    int y0 = Math.Max(0, -dy), y1 = Math.Min(H, H - dy), x0 = Math.Max(0, -dx), x1 = Math.Min(W, W - dx);
                    if (x1 <= x0) continue;
                    int len = x1 - x0;
                    for (int i = y0; i < y1; i++)
                    {
                        var g = G.AsSpan(gb + i * W + x0, len);
                        // df1(p) += g(p)·f2(p+d)/C ; df2(p+d) += g(p)·f1(p)/C
                        if (D1 != null) MulAdd(g, F2.AsSpan(b2 + (i + dy) * W + x0 + dx, len), D1.AsSpan(Od1 + t * plane + i * W + x0, len), inv);
                        if (D2 != null) MulAdd(g, F1.AsSpan(b1 + i * W + x0, len), D2.AsSpan(Od2 + t * plane + (i + dy) * W + x0 + dx, len), inv);
                    }
                }
            }
        }
    }
}
