namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// Modulated deformable convolution (DCNv2, deform.cu) per image: deformable im2col into a pooled column buffer and a
/// cuBLAS GEMM; backward dW (+)= dy·colᵀ, dcol = Wᵀ·dy, then dx (atomic scatter) and Δp, Δm (per group, kernel point and
/// pixel). Weight groups are not supported (groups = 1), as on the CPU.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    private static HxDeform DeformGeometry(Tensor x, Tensor w, Tensor y, DeformConv2dParams p) => new()
    {
        C = x.Shape[1], H = x.Shape[2], W = x.Shape[3], Kh = w.Shape[2], Kw = w.Shape[3], Ho = y.Shape[2], Wo = y.Shape[3], G = p.DeformGroups,
        Sh = p.StrideH, Sw = p.StrideW, Ph = p.PadH, Pw = p.PadW, Dh = p.DilationH, Dw = p.DilationW,
    };

    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p)
    {
        foreach (var t in new[] { x, offset, mask, w, y }) RequireContiguous(t, "DeformConv2d");
        var g = DeformGeometry(x, w, y, p);
        int n = x.Shape[0], o = w.Shape[0], k = g.Kh * g.Kw, kc = g.C * k, pix = g.Ho * g.Wo;
        if (y.Numel == 0) return;
        var col = Pool.Rent(Math.Max(1L, (long)kc * pix) * 4, Stream);
        try
        {
            nint px = 0, po = 0, pm = 0, pc = col.Ptr;
            void** args = stackalloc void*[] { &g, &px, &po, &pm, &pc };
            for (int b = 0; b < n; b++)
            {
                px = At(x) + (nint)((long)b * g.C * g.H * g.W * 4);
                po = At(offset) + (nint)((long)b * 2 * g.G * k * pix * 4);
                pm = At(mask) + (nint)((long)b * g.G * k * pix * 4);
                Launch("hx_deform_im2col", Grid(kc * pix), args);
                GemmRowMajor(GemmOp.N, GemmOp.N, o, pix, kc, At(w), kc, 0, pc, pix, 0, 0f, At(y) + (nint)((long)b * o * pix * 4), pix, 0, 1);
            }
        }
        finally { Pool.Return(col); }
        if (bias != null) AddChannelBias(bias, y);
    }

    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p)
    {
        foreach (var t in new[] { x, offset, mask, w, dy }) RequireContiguous(t, "DeformConv2dBackward");
        var g = DeformGeometry(x, w, dy, p);
        int n = x.Shape[0], o = w.Shape[0], k = g.Kh * g.Kw, kc = g.C * k, pix = g.Ho * g.Wo;
        if (dx != null) Zero(dx);
        if (doffset != null) RequireContiguous(doffset, "DeformConv2dBackward");
        if (dmask != null) RequireContiguous(dmask, "DeformConv2dBackward");
        if (dw != null && (n == 0 || pix == 0)) Fill(dw, 0f);
        if (n == 0 || pix == 0) return;
        var col = Pool.Rent(Math.Max(1L, (long)kc * pix) * 4, Stream);
        try
        {
            nint px = 0, po = 0, pm = 0, pc = col.Ptr, pdx = 0, pdo = 0, pdm = 0;
            void** im2col = stackalloc void*[] { &g, &px, &po, &pm, &pc };
            void** input = stackalloc void*[] { &g, &pc, &po, &pm, &pdx };
            void** coord = stackalloc void*[] { &g, &pc, &px, &po, &pm, &pdo, &pdm };
            for (int b = 0; b < n; b++)
            {
                px = At(x) + (nint)((long)b * g.C * g.H * g.W * 4);
                po = At(offset) + (nint)((long)b * 2 * g.G * k * pix * 4);
                pm = At(mask) + (nint)((long)b * g.G * k * pix * 4);
                nint pdy = At(dy) + (nint)((long)b * o * pix * 4);
                if (dw != null)
                {
                    Launch("hx_deform_im2col", Grid(kc * pix), im2col);
                    // dW[O × Kc] (+)= dy[O × Pix] · colᵀ[Pix × Kc]
                    GemmRowMajor(GemmOp.N, GemmOp.T, o, kc, pix, pdy, pix, 0, pc, pix, 0, b == 0 ? 0f : 1f, At(dw), kc, 0, 1);
                }
                if (dx == null && doffset == null && dmask == null) continue;
                // dcol[Kc × Pix] = Wᵀ[Kc × O] · dy[O × Pix]
                GemmRowMajor(GemmOp.T, GemmOp.N, kc, pix, o, At(w), kc, 0, pdy, pix, 0, 0f, pc, pix, 0, 1);
                if (dx != null)
                {
                    pdx = At(dx) + (nint)((long)b * g.C * g.H * g.W * 4);
                    Launch("hx_deform_col2im_input", Grid(kc * pix), input);
                }
                if (doffset != null || dmask != null)
                {
                    pdo = doffset is null ? 0 : At(doffset) + (nint)((long)b * 2 * g.G * k * pix * 4);
                    pdm = dmask is null ? 0 : At(dmask) + (nint)((long)b * g.G * k * pix * 4);
                    Launch("hx_deform_col2im_coord", Grid(g.G * k * pix), coord);
                }
            }
        }
        finally { Pool.Return(col); }
    }
}
