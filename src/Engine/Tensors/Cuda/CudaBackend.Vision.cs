namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>Pooling, resize, padding (pool.cu), bilinear sampling (sample.cu) and the correlation volume (correlation.cu).</summary>
public sealed unsafe partial class CudaBackend
{
    private static int PlaneCount(Tensor t)
    {
        int planes = 1;
        for (int d = 0; d < t.Rank - 2; d++) planes *= t.Shape[d];
        return planes;
    }

    private static HxPool PoolGeometry(Tensor input, Tensor output, Pool2dParams p) => new()
    {
        Planes = PlaneCount(input), H = input.Shape[^2], W = input.Shape[^1], Ho = output.Shape[^2], Wo = output.Shape[^1],
        Kh = p.KernelH, Kw = p.KernelW, Sh = p.StrideH, Sw = p.StrideW, Ph = p.PadH, Pw = p.PadW,
    };

    /// <summary>A gradient the kernels scatter into: contiguous, zeroed first.</summary>
    private void Zero(Tensor t)
    {
        RequireContiguous(t, "gradient");
        Fill(t, 0f);
    }

    public void AvgPool2d(Tensor x, Tensor y, Pool2dParams p) => PoolForward("hx_avg_pool", x, y, p);

    public void MaxPool2d(Tensor x, Tensor y, Pool2dParams p) => PoolForward("hx_max_pool", x, y, p);

    private void PoolForward(string kernel, Tensor x, Tensor y, Pool2dParams p)
    {
        RequireContiguous(x, kernel); RequireContiguous(y, kernel);
        var g = PoolGeometry(x, y, p);
        if (y.Numel == 0) return;
        nint px = At(x), py = At(y);
        void** args = stackalloc void*[] { &g, &px, &py };
        Launch(kernel, Grid(y.Numel), args);
    }

    public void AvgPool2dBackward(Tensor dy, Tensor dx, Pool2dParams p)
    {
        RequireContiguous(dy, "AvgPool2dBackward"); RequireContiguous(dx, "AvgPool2dBackward");
        var g = PoolGeometry(dx, dy, p);
        if (dx.Numel == 0) return;
        nint pg = At(dy), pd = At(dx);
        void** args = stackalloc void*[] { &g, &pg, &pd };
        Launch("hx_avg_pool_grad", Grid(dx.Numel), args);
    }

    public void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, Pool2dParams p)
    {
        RequireContiguous(x, "MaxPool2dBackward"); RequireContiguous(dy, "MaxPool2dBackward");
        Zero(dx);
        var g = PoolGeometry(dx, dy, p);
        if (dy.Numel == 0) return;
        nint px = At(x), pg = At(dy), pd = At(dx);
        void** args = stackalloc void*[] { &g, &px, &pg, &pd };
        Launch("hx_max_pool_grad", Grid(dy.Numel), args);
    }

    public void Resize2d(Tensor x, Tensor y, ResizeMode mode, bool alignCorners)
    {
        RequireContiguous(x, "Resize2d"); RequireContiguous(y, "Resize2d");
        ResizeLaunch("hx_resize", x, y, mode, alignCorners, At(x), At(y), y.Numel);
    }

    public void Resize2dBackward(Tensor dy, Tensor dx, ResizeMode mode, bool alignCorners)
    {
        RequireContiguous(dy, "Resize2dBackward");
        Zero(dx);
        ResizeLaunch("hx_resize_grad", dx, dy, mode, alignCorners, At(dy), At(dx), dy.Numel);
    }

    private void ResizeLaunch(string kernel, Tensor input, Tensor output, ResizeMode mode, bool alignCorners, nint src, nint dst, int outputs)
    {
        if (outputs == 0) return;
        int planes = PlaneCount(input), h = input.Shape[^2], w = input.Shape[^1], ho = output.Shape[^2], wo = output.Shape[^1];
        int nearest = mode == ResizeMode.Nearest ? 1 : 0, ac = alignCorners ? 1 : 0;
        void** args = stackalloc void*[] { &planes, &h, &w, &ho, &wo, &nearest, &ac, &src, &dst };
        Launch(kernel, Grid(outputs), args);
    }

    public void Pad2d(Tensor x, Tensor y, Pad2dParams p)
    {
        RequireContiguous(x, "Pad2d"); RequireContiguous(y, "Pad2d");
        PadLaunch("hx_pad", x, y, p, At(x), At(y), y.Numel);
    }

    public void Pad2dBackward(Tensor dy, Tensor dx, Pad2dParams p)
    {
        RequireContiguous(dy, "Pad2dBackward");
        Zero(dx);
        PadLaunch("hx_pad_grad", dx, dy, p, At(dy), At(dx), dy.Numel);
    }

    private void PadLaunch(string kernel, Tensor input, Tensor output, Pad2dParams p, nint src, nint dst, int outputs)
    {
        if (outputs == 0 || input.Numel == 0) return;
        int planes = PlaneCount(input), h = input.Shape[^2], w = input.Shape[^1], ho = output.Shape[^2], wo = output.Shape[^1];
        int top = p.Top, left = p.Left, mode = (int)p.Mode;
        void** args = stackalloc void*[] { &planes, &h, &w, &ho, &wo, &top, &left, &mode, &src, &dst };
        Launch(kernel, Grid(outputs), args);
    }

    /// <summary>Geometry of a sample: grid coordinates [N, Ho, Wo, 2] or flow [N, 2, Ho, Wo], with the given strides and offset.</summary>
    private static HxSample SampleGeometry(Tensor x, int ho, int wo, int[] cs, int co, SampleParams p) => new()
    {
        N = x.Shape[0], C = x.Shape[1], H = x.Shape[2], W = x.Shape[3], Ho = ho, Wo = wo,
        Sn = cs[0], Sh = p.Flow ? cs[2] : cs[1], Sw = p.Flow ? cs[3] : cs[2], Sc = p.Flow ? cs[1] : cs[3], Co = co,
        Flow = p.Flow ? 1 : 0, AlignCorners = p.AlignCorners ? 1 : 0, Border = p.Padding == GridPadding.Border ? 1 : 0,
    };

    public void Sample2d(Tensor x, Tensor coords, Tensor y, SampleParams p)
    {
        RequireContiguous(x, "Sample2d"); RequireContiguous(y, "Sample2d");
        var g = SampleGeometry(x, y.Shape[2], y.Shape[3], coords.Strides, coords.Offset, p);
        if (g.N * g.Ho * g.Wo == 0) return;
        nint px = At(x), pc = Ptr(coords), py = At(y);
        void** args = stackalloc void*[] { &g, &px, &pc, &py };
        Launch("hx_sample", Grid(g.N * g.Ho * g.Wo), args);
    }

    public void Sample2dBackward(Tensor x, Tensor coords, Tensor dy, Tensor? dx, Tensor? dcoords, SampleParams p)
    {
        RequireContiguous(x, "Sample2dBackward"); RequireContiguous(dy, "Sample2dBackward");
        var g = SampleGeometry(x, dy.Shape[2], dy.Shape[3], coords.Strides, coords.Offset, p);
        int outputs = g.N * g.Ho * g.Wo;
        nint pc = Ptr(coords), pg = At(dy);
        if (dx != null)
        {
            Zero(dx);
            nint pd = At(dx);
            void** args = stackalloc void*[] { &g, &pc, &pg, &pd };
            if (outputs > 0) Launch("hx_sample_grad_input", Grid(outputs), args);
        }
        if (dcoords != null)
        {
            RequireContiguous(dcoords, "Sample2dBackward");
            int[] ds = p.Flow ? [2 * g.Ho * g.Wo, g.Ho * g.Wo, g.Wo, 1] : [g.Ho * g.Wo * 2, g.Wo * 2, 2, 1];
            var gd = SampleGeometry(x, g.Ho, g.Wo, ds, dcoords.Offset, p);
            nint px = At(x), pdc = Ptr(dcoords);
            void** args = stackalloc void*[] { &g, &gd, &px, &pc, &pg, &pdc };
            if (outputs > 0) Launch("hx_sample_grad_coords", Grid(outputs), args);
        }
    }

    public void Correlation(Tensor f1, Tensor f2, Tensor y, int radius)
    {
        RequireContiguous(f1, "Correlation"); RequireContiguous(f2, "Correlation"); RequireContiguous(y, "Correlation");
        int n = f1.Shape[0], c = f1.Shape[1], h = f1.Shape[2], w = f1.Shape[3], r = radius;
        if (y.Numel == 0) return;
        nint p1 = At(f1), p2 = At(f2), py = At(y);
        void** args = stackalloc void*[] { &n, &c, &h, &w, &r, &p1, &p2, &py };
        Launch("hx_correlation", Grid(y.Numel), args);
    }

    public void CorrelationBackward(Tensor f1, Tensor f2, Tensor dy, Tensor? df1, Tensor? df2, int radius)
    {
        RequireContiguous(f1, "CorrelationBackward"); RequireContiguous(f2, "CorrelationBackward"); RequireContiguous(dy, "CorrelationBackward");
        int n = f1.Shape[0], c = f1.Shape[1], h = f1.Shape[2], w = f1.Shape[3], r = radius;
        if (f1.Numel == 0 || (df1 is null && df2 is null)) return;
        nint p1 = At(f1), p2 = At(f2), pg = At(dy), pd1 = OrNull(df1), pd2 = OrNull(df2);
        void** args = stackalloc void*[] { &n, &c, &h, &w, &r, &p1, &p2, &pg, &pd1, &pd2 };
        Launch("hx_correlation_grad", Grid(f1.Numel), args);
    }
}
