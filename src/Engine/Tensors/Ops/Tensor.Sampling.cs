namespace HdrOfx.Engine.Tensors;

/// <summary>Bilinear grid sampling, flow warping, pooling and resizing of NCHW tensors, each with its backward.</summary>
public sealed partial class Tensor
{
    private void Check4d(string op)
    {
        CheckF32(op);
        if (Rank != 4) throw new ArgumentException($"{op} needs [N, C, H, W], got {ShapeString(_shape)}");
    }

    /// <summary>
    /// PyTorch grid_sample, bilinear: x [N, C, H, W] sampled at grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1]
    /// → [N, C, Ho, Wo]. Gradients flow to x and to grid.
    /// </summary>
    public static Tensor GridSample(Tensor x, Tensor grid, bool alignCorners = false, GridPadding padding = GridPadding.Zeros)
    {
        x.Check4d("GridSample");
        CheckSame(x, grid, "GridSample");
        if (grid.Rank != 4 || grid._shape[0] != x._shape[0] || grid._shape[3] != 2)
            throw new ArgumentException($"GridSample: grid must be [{x._shape[0]}, Ho, Wo, 2], got {ShapeString(grid._shape)} for x {ShapeString(x._shape)}");
        return SampleCore(x, grid, new[] { x._shape[0], x._shape[1], grid._shape[1], grid._shape[2] }, new SampleParams(false, alignCorners, padding), "GridSample");
    }

    /// <summary>
    /// Backward warping by a pixel flow: out[n, c, i, j] = x[n, c, i + flow[n,1,i,j], j + flow[n,0,i,j]] (bilinear,
    /// channel 0 = horizontal, 1 = vertical). x [N, C, H, W], flow [N, 2, H, W]. Zero outside unless border padding.
    /// </summary>
    public static Tensor FlowWarp(Tensor x, Tensor flow, GridPadding padding = GridPadding.Zeros)
    {
        x.Check4d("FlowWarp");
        CheckSame(x, flow, "FlowWarp");
        if (flow.Rank != 4 || flow._shape[0] != x._shape[0] || flow._shape[1] != 2)
            throw new ArgumentException($"FlowWarp: flow must be [{x._shape[0]}, 2, Ho, Wo], got {ShapeString(flow._shape)}");
        return SampleCore(x, flow, new[] { x._shape[0], x._shape[1], flow._shape[2], flow._shape[3] }, new SampleParams(true, false, padding), "FlowWarp");
    }

    private static Tensor SampleCore(Tensor x, Tensor coords, int[] outShape, SampleParams p, string name)
    {
        var xc = x.Contiguous();
        var y = Create(outShape, x.Device);
        if (y.Numel > 0) x.Backend.Sample2d(xc, coords, y, p);
        if (NeedsGrad(xc, coords))
            y.SetGradFn(name, g =>
            {
                var gc = g.Contiguous();
                Tensor? dx = xc._requiresGrad ? Create(xc._shape, g.Device) : null;
                Tensor? dc = coords._requiresGrad ? Create(coords._shape, g.Device) : null;
                if (g.Numel > 0) g.Backend.Sample2dBackward(xc, coords, gc, dx, dc, p);
                else { dx?.Backend.Fill(dx, 0f); dc?.Backend.Fill(dc, 0f); }
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx, dc };
            }, xc, coords);
        return y;
    }

    /// <summary>Average pooling (count_include_pad = true, floor mode). Stride defaults to the kernel size.</summary>
    public Tensor AvgPool2d(int kernel, int stride = -1, int padding = 0) => AvgPool2d(Pool2dParams.Create(kernel, stride, padding));

    public Tensor AvgPool2d(Pool2dParams p) => Pool(p, max: false);

    /// <summary>Max pooling (floor mode, padded cells never win). Stride defaults to the kernel size.</summary>
    public Tensor MaxPool2d(int kernel, int stride = -1, int padding = 0) => MaxPool2d(Pool2dParams.Create(kernel, stride, padding));

    public Tensor MaxPool2d(Pool2dParams p) => Pool(p, max: true);

    private Tensor Pool(Pool2dParams p, bool max)
    {
        string name = max ? "MaxPool2d" : "AvgPool2d";
        Check4d(name);
        if (p.KernelH < 1 || p.KernelW < 1 || p.StrideH < 1 || p.StrideW < 1 || p.PadH < 0 || p.PadW < 0 || p.PadH * 2 > p.KernelH || p.PadW * 2 > p.KernelW)
            throw new ArgumentException($"{name}: invalid parameters {p} (padding must be at most half the kernel)");
        int ho = p.OutH(_shape[2]), wo = p.OutW(_shape[3]);
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"{name}: output would be {ho}x{wo} for input {ShapeString(_shape)} and {p}");
        var x = Contiguous();
        var y = Create(new[] { _shape[0], _shape[1], ho, wo }, Device);
        if (max) Backend.MaxPool2d(x, y, p); else Backend.AvgPool2d(x, y, p);
        if (NeedsGrad(x))
            y.SetGradFn(name, g =>
            {
                var gc = g.Contiguous();
                var dx = Create(x._shape, g.Device);
                if (max) g.Backend.MaxPool2dBackward(x, gc, dx, p); else g.Backend.AvgPool2dBackward(gc, dx, p);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx };
            }, x);
        return y;
    }

    /// <summary>
    /// Resizes x [N, C, H, W] to [N, C, outH, outW] like PyTorch F.interpolate (bilinear without antialias, or nearest).
    /// <paramref name="alignCorners"/> applies to bilinear only.
    /// </summary>
    public Tensor Resize(int outH, int outW, ResizeMode mode = ResizeMode.Bilinear, bool alignCorners = false)
    {
        Check4d("Resize");
        if (outH < 1 || outW < 1) throw new ArgumentException($"Resize: output size {outH}x{outW} must be positive");
        if (_shape[2] < 1 || _shape[3] < 1) throw new ArgumentException($"Resize: input {ShapeString(_shape)} is empty");
        bool ac = mode == ResizeMode.Bilinear && alignCorners;
        var x = Contiguous();
        var y = Create(new[] { _shape[0], _shape[1], outH, outW }, Device);
        Backend.Resize2d(x, y, mode, ac);
        if (NeedsGrad(x))
        {
            var inShape = _shape;
            y.SetGradFn("Resize", g =>
            {
                var gc = g.Contiguous();
                var dx = Create(inShape, g.Device);
                g.Backend.Resize2dBackward(gc, dx, mode, ac);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx };
            }, x);
        }
        return y;
    }

    /// <summary>
    /// Pads the last two dims of x [..., H, W] (PyTorch F.pad with (left, right, top, bottom)): zeros, replicate or
    /// reflect. Use it before <see cref="WindowPartition"/> / <see cref="GridPartition"/> when H, W are not multiples.
    /// </summary>
    public Tensor Pad2d(int left, int right, int top, int bottom, PadMode mode = PadMode.Zeros) => Pad2d(new Pad2dParams(left, right, top, bottom, mode));

    public Tensor Pad2d(Pad2dParams p)
    {
        CheckF32("Pad2d");
        if (Rank < 2) throw new ArgumentException($"Pad2d needs at least 2 dims, got {ShapeString(_shape)}");
        if (p.Left < 0 || p.Right < 0 || p.Top < 0 || p.Bottom < 0) throw new ArgumentException($"Pad2d: negative padding {p}");
        int h = _shape[^2], w = _shape[^1];
        if (p.Mode == PadMode.Reflect && (p.Left >= w || p.Right >= w || p.Top >= h || p.Bottom >= h))
            throw new ArgumentException($"Pad2d: reflect padding {p} must be smaller than the input {h}x{w}");
        if (p.Mode == PadMode.Replicate && (h == 0 || w == 0) && (p.Left | p.Right | p.Top | p.Bottom) != 0)
            throw new ArgumentException("Pad2d: cannot replicate an empty input");
        var x = Contiguous();
        var shape = (int[])_shape.Clone();
        shape[^2] = h + p.Top + p.Bottom; shape[^1] = w + p.Left + p.Right;
        var y = Create(shape, Device);
        Backend.Pad2d(x, y, p);
        if (NeedsGrad(x))
        {
            var inShape = _shape;
            y.SetGradFn("Pad2d", g =>
            {
                var gc = g.Contiguous();
                var dx = Create(inShape, g.Device);
                g.Backend.Pad2dBackward(gc, dx, p);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx };
            }, x);
        }
        return y;
    }

    /// <summary>
    /// Local correlation (cost volume) for patch matching: f1, f2 [N, C, H, W] → [N, (2R+1)², H, W] with channel
    /// (dy+R)·(2R+1) + (dx+R) = mean over c of f1[n,c,i,j]·f2[n,c,i+dy,j+dx] (zero where f2 is out of range).
    /// </summary>
    public static Tensor Correlation(Tensor f1, Tensor f2, int radius)
    {
        f1.Check4d("Correlation");
        CheckSame(f1, f2, "Correlation");
        if (!f1._shape.AsSpan().SequenceEqual(f2._shape)) throw new ArgumentException($"Correlation: f1 {ShapeString(f1._shape)} and f2 {ShapeString(f2._shape)} differ");
        if (radius < 0) throw new ArgumentOutOfRangeException(nameof(radius), $"radius {radius} must be ≥ 0");
        if (f1._shape[1] == 0) throw new ArgumentException("Correlation: zero channels");
        int d = 2 * radius + 1;
        var a = f1.Contiguous(); var b = f2.Contiguous();
        var y = Create(new[] { f1._shape[0], d * d, f1._shape[2], f1._shape[3] }, f1.Device);
        f1.Backend.Correlation(a, b, y, radius);
        if (NeedsGrad(a, b))
            y.SetGradFn("Correlation", g =>
            {
                var gc = g.Contiguous();
                Tensor? da = a._requiresGrad ? Create(a._shape, g.Device) : null;
                Tensor? db = b._requiresGrad ? Create(b._shape, g.Device) : null;
                g.Backend.CorrelationBackward(a, b, gc, da, db, radius);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { da, db };
            }, a, b);
        return y;
    }

    /// <summary>
    /// Modulated deformable convolution (DCNv2). x [N, C, H, W]; offset [N, 2·G·kh·kw, Ho, Wo] as (Δy, Δx) pairs
    /// (torchvision layout); mask [N, G·kh·kw, Ho, Wo] (pass sigmoid of a conv output); weight [O, C, kh, kw];
    /// bias [O] or null. Gradients flow to all five.
    /// </summary>
    public static Tensor DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor weight, Tensor? bias = null,
        int stride = 1, int padding = 0, int dilation = 1, int deformGroups = 1) =>
        DeformConv2d(x, offset, mask, weight, bias, DeformConv2dParams.Create(stride, padding, dilation, deformGroups));

    public static Tensor DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor weight, Tensor? bias, DeformConv2dParams p)
    {
        x.Check4d("DeformConv2d");
        CheckSame(x, offset, "DeformConv2d"); CheckSame(x, mask, "DeformConv2d"); CheckSame(x, weight, "DeformConv2d");
        if (weight.Rank != 4) throw new ArgumentException($"DeformConv2d: weight must be [O, C, kh, kw], got {ShapeString(weight._shape)}");
        if (p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1 || p.PadH < 0 || p.PadW < 0 || p.DeformGroups < 1)
            throw new ArgumentException($"DeformConv2d: invalid parameters {p}");
        int n = x._shape[0], c = x._shape[1], o = weight._shape[0], kh = weight._shape[2], kw = weight._shape[3];
        if (weight._shape[1] != c) throw new ArgumentException($"DeformConv2d: weight expects {weight._shape[1]} input channels, x has {c} (weight groups are not supported)");
        if (c % p.DeformGroups != 0) throw new ArgumentException($"DeformConv2d: {c} channels not divisible into {p.DeformGroups} deformable groups");
        int ho = p.OutH(x._shape[2], kh), wo = p.OutW(x._shape[3], kw);
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"DeformConv2d: output would be {ho}x{wo} for input {ShapeString(x._shape)}");
        int kk = p.DeformGroups * kh * kw;
        if (!offset._shape.AsSpan().SequenceEqual(new[] { n, 2 * kk, ho, wo }))
            throw new ArgumentException($"DeformConv2d: offset must be [{n}, {2 * kk}, {ho}, {wo}], got {ShapeString(offset._shape)}");
        if (!mask._shape.AsSpan().SequenceEqual(new[] { n, kk, ho, wo }))
            throw new ArgumentException($"DeformConv2d: mask must be [{n}, {kk}, {ho}, {wo}], got {ShapeString(mask._shape)}");
        if (bias != null)
        {
            CheckSame(x, bias, "DeformConv2d");
            if (bias.Rank != 1 || bias._shape[0] != o) throw new ArgumentException($"DeformConv2d: bias must be [{o}], got {ShapeString(bias._shape)}");
        }
        var xc = x.Contiguous(); var oc = offset.Contiguous(); var mc = mask.Contiguous(); var wc = weight.Contiguous(); var bc = bias?.Contiguous();
        var y = Create(new[] { n, o, ho, wo }, x.Device);
        x.Backend.DeformConv2d(xc, oc, mc, wc, bc, y, p);
        var inputs = bc != null ? new[] { xc, oc, mc, wc, bc } : new[] { xc, oc, mc, wc };
        if (NeedsGrad(inputs))
            y.SetGradFn("DeformConv2d", g =>
            {
                var gc = g.Contiguous();
                Tensor? dx = xc._requiresGrad ? Create(xc._shape, g.Device) : null;
                Tensor? doff = oc._requiresGrad ? Create(oc._shape, g.Device) : null;
                Tensor? dm = mc._requiresGrad ? Create(mc._shape, g.Device) : null;
                Tensor? dw = wc._requiresGrad ? Create(wc._shape, g.Device) : null;
                g.Backend.DeformConv2dBackward(xc, oc, mc, wc, gc, dx, doff, dm, dw, p);
                var r = new Tensor?[inputs.Length];
                r[0] = dx; r[1] = doff; r[2] = dm; r[3] = dw;
                if (bc != null && bc._requiresGrad)
                {
                    var gb = Create(new[] { 1, o, 1, 1 }, g.Device);
                    g.Backend.SumTo(gc, gb);
                    r[4] = gb.MakeView(new[] { o }, new[] { 1 }, 0);
                    gb.Dispose();
                }
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return r;
            }, inputs);
        return y;
    }
}
