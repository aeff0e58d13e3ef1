using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Bilinear sampling at per-pixel coordinates: grid_sample (normalized grid) and backward flow warping.
/// Forward and the coordinate gradient run over (n, output row); the input gradient is a scatter, so it runs
/// over (n, channel block) tasks that own their dx planes, each computing the taps once for its block (lock-free).
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>The four taps of one sample: top-left corner, fractions, and d(ix)/d(coord x), d(iy)/d(coord y).</summary>
    private readonly record struct SampleGeom(int N, int C, int H, int W, int Ho, int Wo, int SN, int SH, int SW, int SC, int Co, SampleParams P)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Tap(float[] coords, int n, int oh, int ow, out int x0, out int y0, out float tx, out float ty, out float mx, out float my)
        {
            int o = Co + n * SN + oh * SH + ow * SW;
            float cx = coords[o], cy = coords[o + SC];
            float ix, iy;
            if (P.Flow) { ix = ow + cx; iy = oh + cy; mx = 1f; my = 1f; }
            else if (P.AlignCorners)
            {
                mx = (W - 1) * 0.5f; my = (H - 1) * 0.5f;
                ix = (cx + 1f) * mx; iy = (cy + 1f) * my;
            }
            else
            {
                mx = W * 0.5f; my = H * 0.5f;
                ix = ((cx + 1f) * W - 1f) * 0.5f; iy = ((cy + 1f) * H - 1f) * 0.5f;
            }
            if (P.Padding == GridPadding.Border)
            {
                // PyTorch clip_coordinates_set_grad: clamped coordinates pass no gradient
                if (ix <= 0f) { ix = 0f; mx = 0f; } else if (ix >= W - 1) { ix = W - 1; mx = 0f; }
                if (iy <= 0f) { iy = 0f; my = 0f; } else if (iy >= H - 1) { iy = H - 1; my = 0f; }
            }
            if (!float.IsFinite(ix) || !float.IsFinite(iy)) { x0 = y0 = int.MinValue / 2; tx = ty = 0f; return; }
            float fx = MathF.Floor(ix), fy = MathF.Floor(iy);
            // far outside: every tap reads zero; clamp so the int conversion cannot overflow
            fx = Math.Clamp(fx, -2f, W + 1f); fy = Math.Clamp(fy, -2f, H + 1f);
            x0 = (int)fx; y0 = (int)fy;
            tx = ix - fx; ty = iy - fy;
            if (ix < -2f || ix > W + 1f) tx = 0f;
            if (iy < -2f || iy > H + 1f) ty = 0f;
        }
    }

    private static SampleGeom SampleGeometry(Tensor x, Tensor coords, Tensor y, SampleParams p)
    {
        // coords: grid [N, Ho, Wo, 2] or flow [N, 2, Ho, Wo]; any strides
        var cs = coords.Strides;
        return p.Flow
            ? new SampleGeom(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3], cs[0], cs[2], cs[3], cs[1], coords.Offset, p)
            : new SampleGeom(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3], cs[0], cs[1], cs[2], cs[3], coords.Offset, p);
    }

    public void Sample2d(Tensor x, Tensor coords, Tensor y, SampleParams p)
    {
        var g = SampleGeometry(x, coords, y, p);
        ParallelRange.For(g.N * g.Ho, Math.Max(1, 2048 / Math.Max(1, g.Wo * g.C)),
            new SampleFwd(g, x.CpuArray, x.Offset, coords.CpuArray, y.CpuArray, y.Offset));
    }

    /// <summary>Off sends flow warps with border padding to the scalar loop (twin tests compare the two).</summary>
    internal static bool SampleVectorKernel { get; set; } = true;

    private readonly unsafe record struct SampleFwd(SampleGeom G, float[] X, int Xo, float[] Cd, float[] Y, int Yo) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            for (int r = s; r < e; r++)
            {
                int n = r / g.Ho, oh = r % g.Ho, ow = 0;
                if (SampleVectorKernel && g.P.Flow && g.P.Padding == GridPadding.Border && g.SW == 1 && Avx2.IsSupported)
                    ow = FlowBorderRow(n, oh);
                for (; ow < g.Wo; ow++) Pixel(n, oh, ow);
            }
        }

        private void Pixel(int n, int oh, int ow)
        {
            var g = G;
            int plane = g.H * g.W, oplane = g.Ho * g.Wo;
            g.Tap(Cd, n, oh, ow, out int x0, out int y0, out float tx, out float ty, out _, out _);
            bool vx0 = (uint)x0 < (uint)g.W, vx1 = (uint)(x0 + 1) < (uint)g.W, vy0 = (uint)y0 < (uint)g.H, vy1 = (uint)(y0 + 1) < (uint)g.H;
            float w00 = vy0 && vx0 ? (1 - ty) * (1 - tx) : 0f, w01 = vy0 && vx1 ? (1 - ty) * tx : 0f;
            float w10 = vy1 && vx0 ? ty * (1 - tx) : 0f, w11 = vy1 && vx1 ? ty * tx : 0f;
            // clamp tap indices into the image; their weights are already zero when outside
            int cx0 = Math.Clamp(x0, 0, g.W - 1), cx1 = Math.Clamp(x0 + 1, 0, g.W - 1);
            int cy0 = Math.Clamp(y0, 0, g.H - 1), cy1 = Math.Clamp(y0 + 1, 0, g.H - 1);
            int i00 = Xo + n * g.C * plane + cy0 * g.W + cx0, i01 = i00 - cx0 + cx1;
            int i10 = i00 + (cy1 - cy0) * g.W, i11 = i10 - cx0 + cx1;
            int yo = Yo + n * g.C * oplane + oh * g.Wo + ow;
            for (int c = 0; c < g.C; c++)
            {
                int co = c * plane;
                Y[yo + c * oplane] = w00 * X[i00 + co] + w01 * X[i01 + co] + w10 * X[i10 + co] + w11 * X[i11 + co];
            }
        }

        /// <summary>
        /// Backward flow warp with border padding (TCAM's pre-warp), eight output pixels at a time: the taps in vectors
        /// and the four corners gathered per channel. Border padding clamps the coordinate into the image, so every
        /// weight is the product form and only the +1 corner's index needs clamping (its weight is then 0, as in
        /// <see cref="Pixel"/>); the arithmetic is Pixel's, so the values are the same bit for bit. A group with a
        /// non-finite coordinate is left to Pixel. Returns the first column not done.
        /// </summary>
        private int FlowBorderRow(int n, int oh)
        {
            var g = G;
            int plane = g.H * g.W, oplane = g.Ho * g.Wo, ow = 0;
            var lane = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
            var wMax = Vector256.Create((float)(g.W - 1)); var hMax = Vector256.Create((float)(g.H - 1));
            var wLast = Vector256.Create(g.W - 1); var hLast = Vector256.Create(g.H - 1); var width = Vector256.Create(g.W);
            var one = Vector256.Create(1f); var oneI = Vector256.Create(1);
            var fy0 = Vector256.Create((float)oh);
            fixed (float* px = X, pc = Cd, py = Y)
            {
                float* cRow = pc + g.Co + n * g.SN + oh * g.SH;
                float* xImg = px + Xo + (long)n * g.C * plane;
                float* yRow = py + Yo + (long)n * g.C * oplane + oh * g.Wo;
                for (; ow <= g.Wo - 8; ow += 8)
                {
                    var ix = (Vector256.Create((float)ow) + lane) + Avx.LoadVector256(cRow + ow);
                    var iy = fy0 + Avx.LoadVector256(cRow + g.SC + ow);
                    var finite = Vector256.Equals(ix - ix, Vector256<float>.Zero) & Vector256.Equals(iy - iy, Vector256<float>.Zero);
                    if (finite.ExtractMostSignificantBits() != 0xFFu)
                    {
                        for (int k = 0; k < 8; k++) Pixel(n, oh, ow + k);
                        continue;
                    }
                    ix = Avx.Max(Avx.Min(ix, wMax), Vector256<float>.Zero);
                    iy = Avx.Max(Avx.Min(iy, hMax), Vector256<float>.Zero);
                    var fx = Avx.Floor(ix); var fy = Avx.Floor(iy);
                    var tx = ix - fx; var ty = iy - fy;
                    var x0 = Avx.ConvertToVector256Int32WithTruncation(fx); var y0 = Avx.ConvertToVector256Int32WithTruncation(fy);
                    var x1 = Avx2.Min(x0 + oneI, wLast); var y1 = Avx2.Min(y0 + oneI, hLast);
                    var r0 = y0 * width; var r1 = y1 * width;
                    Vector256<int> i00 = r0 + x0, i01 = r0 + x1, i10 = r1 + x0, i11 = r1 + x1;
                    var ux = one - tx; var uy = one - ty;
                    Vector256<float> w00 = uy * ux, w01 = uy * tx, w10 = ty * ux, w11 = ty * tx;
                    for (int c = 0; c < g.C; c++)
                    {
                        float* src = xImg + (long)c * plane;
                        var v = w00 * Avx2.GatherVector256(src, i00, 4) + w01 * Avx2.GatherVector256(src, i01, 4)
                              + w10 * Avx2.GatherVector256(src, i10, 4) + w11 * Avx2.GatherVector256(src, i11, 4);
                        Avx.Store(yRow + (long)c * oplane + ow, v);
                    }
                }
            }
            return ow;
        }
    }

    public void Sample2dBackward(Tensor x, Tensor coords, Tensor dy, Tensor? dx, Tensor? dcoords, SampleParams p)
    {
        var g = SampleGeometry(x, coords, dy, p);
        if (dx != null)
        {
            // (image, channel block) tasks: each owns its planes of dx; taps are computed once per block, not per channel
            int blocks = Math.Min(g.C, Math.Max(1, (ParallelRange.MaxThreads + g.N - 1) / g.N));
            ParallelRange.For(g.N * blocks, 1, new SampleBwdInput(g, coords.CpuArray, dy.CpuArray, dy.Offset, dx.CpuArray, dx.Offset, blocks));
        }
        if (dcoords != null)
        {
            // dcoords is contiguous with coords' logical shape
            var gd = p.Flow
                ? g with { SN = 2 * g.Ho * g.Wo, SC = g.Ho * g.Wo, SH = g.Wo, SW = 1, Co = dcoords.Offset }
                : g with { SN = g.Ho * g.Wo * 2, SH = g.Wo * 2, SW = 2, SC = 1, Co = dcoords.Offset };
            ParallelRange.For(g.N * g.Ho, Math.Max(1, 2048 / Math.Max(1, g.Wo * g.C)),
                new SampleBwdCoords(g, gd, x.CpuArray, x.Offset, coords.CpuArray, dy.CpuArray, dy.Offset, dcoords.CpuArray));
        }
    }

    private readonly record struct SampleBwdInput(SampleGeom G, float[] Cd, float[] Dy, int Dyo, float[] Dx, int Dxo, int Blocks) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            int plane = g.H * g.W, oplane = g.Ho * g.Wo;
            for (int t = s; t < e; t++)
            {
                int n = t / Blocks, blk = t % Blocks;
                int c0 = (int)((long)g.C * blk / Blocks), c1 = (int)((long)g.C * (blk + 1) / Blocks);
                for (int c = c0; c < c1; c++) Array.Clear(Dx, Dxo + (n * g.C + c) * plane, plane);
                for (int oh = 0; oh < g.Ho; oh++)
                for (int ow = 0; ow < g.Wo; ow++)
                {
                    g.Tap(Cd, n, oh, ow, out int x0, out int y0, out float tx, out float ty, out _, out _);
                    bool vx0 = (uint)x0 < (uint)g.W, vx1 = (uint)(x0 + 1) < (uint)g.W, vy0 = (uint)y0 < (uint)g.H, vy1 = (uint)(y0 + 1) < (uint)g.H;
                    if (!(vx0 || vx1) || !(vy0 || vy1)) continue;
                    float w00 = vy0 && vx0 ? (1 - ty) * (1 - tx) : 0f, w01 = vy0 && vx1 ? (1 - ty) * tx : 0f;
                    float w10 = vy1 && vx0 ? ty * (1 - tx) : 0f, w11 = vy1 && vx1 ? ty * tx : 0f;
                    // clamped indices: a zero weight lands on a valid cell
                    int cx0 = Math.Clamp(x0, 0, g.W - 1), cx1 = Math.Clamp(x0 + 1, 0, g.W - 1);
                    int cy0 = Math.Clamp(y0, 0, g.H - 1), cy1 = Math.Clamp(y0 + 1, 0, g.H - 1);
                    int i00 = cy0 * g.W + cx0, i01 = cy0 * g.W + cx1, i10 = cy1 * g.W + cx0, i11 = cy1 * g.W + cx1;
                    int yo = Dyo + n * g.C * oplane + oh * g.Wo + ow;
                    for (int c = c0; c < c1; c++)
                    {
                        float gv = Dy[yo + c * oplane];
                        int xb = Dxo + (n * g.C + c) * plane;
                        Dx[xb + i00] += gv * w00; Dx[xb + i01] += gv * w01;
                        Dx[xb + i10] += gv * w10; Dx[xb + i11] += gv * w11;
                    }
                }
            }
        }
    }

    private readonly record struct SampleBwdCoords(SampleGeom G, SampleGeom Gd, float[] X, int Xo, float[] Cd, float[] Dy, int Dyo, float[] Dc) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            int plane = g.H * g.W, oplane = g.Ho * g.Wo;
            for (int r = s; r < e; r++)
            {
                int n = r / g.Ho, oh = r % g.Ho;
                for (int ow = 0; ow < g.Wo; ow++)
                {
                    g.Tap(Cd, n, oh, ow, out int x0, out int y0, out float tx, out float ty, out float mx, out float my);
                    bool vx0 = (uint)x0 < (uint)g.W, vx1 = (uint)(x0 + 1) < (uint)g.W, vy0 = (uint)y0 < (uint)g.H, vy1 = (uint)(y0 + 1) < (uint)g.H;
                    int cx0 = Math.Clamp(x0, 0, g.W - 1), cx1 = Math.Clamp(x0 + 1, 0, g.W - 1);
                    int cy0 = Math.Clamp(y0, 0, g.H - 1), cy1 = Math.Clamp(y0 + 1, 0, g.H - 1);
                    int i00 = Xo + n * g.C * plane + cy0 * g.W + cx0, i01 = i00 - cx0 + cx1;
                    int i10 = i00 + (cy1 - cy0) * g.W, i11 = i10 - cx0 + cx1;
                    float m00 = vy0 && vx0 ? 1f : 0f, m01 = vy0 && vx1 ? 1f : 0f, m10 = vy1 && vx0 ? 1f : 0f, m11 = vy1 && vx1 ? 1f : 0f;
                    int yo = Dyo + n * g.C * oplane + oh * g.Wo + ow;
                    double gx = 0, gy = 0;
                    for (int c = 0; c < g.C; c++)
                    {
                        int co = c * plane;
                        float v00 = m00 * X[i00 + co], v01 = m01 * X[i01 + co], v10 = m10 * X[i10 + co], v11 = m11 * X[i11 + co];
                        float gv = Dy[yo + c * oplane];
                        gx += gv * ((1 - ty) * (v01 - v00) + ty * (v11 - v10));
                        gy += gv * ((1 - tx) * (v10 - v00) + tx * (v11 - v01));
                    }
                    int d = Gd.Co + n * Gd.SN + oh * Gd.SH + ow * Gd.SW;
                    Dc[d] = (float)(gx * mx);
                    Dc[d + Gd.SC] = (float)(gy * my);
                }
            }
        }
    }
}
