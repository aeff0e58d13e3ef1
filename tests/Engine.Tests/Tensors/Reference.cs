namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>Scalar float64 reference implementations of every engine op (the "CPU reference" of STYLE §2).</summary>
public static class Reference
{
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1;
            int db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            s[i] = Math.Max(da, db);
        }
        return s;
    }

    /// <summary>Element of x at an index of the (larger) broadcast shape.</summary>
    public static double BroadcastGet(RefTensor x, int[] idx)
    {
        int lead = idx.Length - x.Rank, f = 0;
        for (int i = 0; i < x.Rank; i++) f = f * x.Shape[i] + (x.Shape[i] == 1 ? 0 : idx[i + lead]);
        return x.Data[f];
    }

    public static RefTensor Binary(RefTensor a, RefTensor b, Func<double, double, double> f)
    {
        var y = new RefTensor(BroadcastShape(a.Shape, b.Shape));
        for (int i = 0; i < y.Length; i++)
        {
            var idx = y.Unravel(i);
            y.Data[i] = f(BroadcastGet(a, idx), BroadcastGet(b, idx));
        }
        return y;
    }

    public static RefTensor Map(RefTensor x, Func<double, double> f)
    {
        var y = new RefTensor(x.Shape);
        for (int i = 0; i < x.Length; i++) y.Data[i] = f(x.Data[i]);
        return y;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static RefTensor Sum(RefTensor x, int[] dims, bool keepDim)
    {
        var red = new bool[x.Rank];
        foreach (int d in dims) red[d < 0 ? d + x.Rank : d] = true;
        var keep = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++) keep[i] = red[i] ? 1 : x.Shape[i];
        var y = new RefTensor(keep);
        for (int i = 0; i < x.Length; i++)
        {
            var idx = x.Unravel(i);
            for (int d = 0; d < x.Rank; d++) if (red[d]) idx[d] = 0;
            y.Data[y.Ravel(idx)] += x.Data[i];
        }
        if (keepDim) return y;
        var shape = Enumerable.Range(0, x.Rank).Where(i => !red[i]).Select(i => x.Shape[i]).ToArray();
        return new RefTensor(y.Data, shape);
    }

    public static RefTensor Softmax(RefTensor x, int dim)
    {
        if (dim < 0) dim += x.Rank;
        var y = new RefTensor(x.Shape);
        int d = x.Shape[dim];
        for (int i = 0; i < x.Length; i++)
        {
            var idx = x.Unravel(i);
            if (idx[dim] != 0) continue;
            double m = double.NegativeInfinity;
            for (int k = 0; k < d; k++) { idx[dim] = k; m = Math.Max(m, x[idx]); }
            double s = 0;
            for (int k = 0; k < d; k++) { idx[dim] = k; s += Math.Exp(x[idx] - m); }
            for (int k = 0; k < d; k++) { idx[dim] = k; y[idx] = Math.Exp(x[idx] - m) / s; }
        }
        return y;
    }

    /// <summary>Batched matmul with broadcast batch dims: a [..., M, K] · b [..., K, N].</summary>
    public static RefTensor MatMul(RefTensor a, RefTensor b)
    {
        int M = a.Shape[^2], K = a.Shape[^1], N = b.Shape[^1];
        var batch = BroadcastShape(a.Shape[..^2], b.Shape[..^2]);
        var y = new RefTensor(batch.Concat(new[] { M, N }).ToArray());
        var bt = new RefTensor(batch);
        for (int bi = 0; bi < bt.Length; bi++)
        {
            var bidx = bt.Unravel(bi);
            for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
            {
                double s = 0;
                for (int k = 0; k < K; k++)
                    s += BroadcastGet(a, bidx.Concat(new[] { i, k }).ToArray()) * BroadcastGet(b, bidx.Concat(new[] { k, j }).ToArray());
                y.Data[(bi * M + i) * N + j] = s;
            }
        }
        return y;
    }

    public static RefTensor Linear(RefTensor x, RefTensor w, RefTensor? b)
    {
        int inF = w.Shape[1], outF = w.Shape[0], rows = x.Length / inF;
        var shape = (int[])x.Shape.Clone(); shape[^1] = outF;
        var y = new RefTensor(shape);
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outF; o++)
        {
            double s = b?.Data[o] ?? 0;
            for (int i = 0; i < inF; i++) s += x.Data[r * inF + i] * w.Data[o * inF + i];
            y.Data[r * outF + o] = s;
        }
        return y;
    }

    public static RefTensor Conv2d(RefTensor x, RefTensor w, RefTensor? b, int sh, int sw, int ph, int pw, int dh, int dw, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int o = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3], og = o / groups;
        int ho = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, wo = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        var y = new RefTensor(new[] { n, o, ho, wo });
        for (int ni = 0; ni < n; ni++)
        for (int oc = 0; oc < o; oc++)
        {
            int g = oc / og;
            for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
            {
                double s = b?.Data[oc] ?? 0;
                for (int ci = 0; ci < cg; ci++)
                for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    int iy = oy * sh - ph + i * dh, ix = ox * sw - pw + j * dw;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                    s += x[ni, g * cg + ci, iy, ix] * w[oc, ci, i, j];
                }
                y[ni, oc, oy, ox] = s;
            }
        }
        return y;
    }

    /// <summary>conv_transpose2d by its definition: every input pixel scatters w-weighted copies into the output.</summary>
    public static RefTensor ConvTranspose2d(RefTensor x, RefTensor w, RefTensor? b, int s, int p, int op, int d, int groups)
    {
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int cog = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3], cig = cin / groups, cout = cog * groups;
        int ho = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1, wo = (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1;
        var y = new RefTensor(new[] { n, cout, ho, wo });
        for (int ni = 0; ni < n; ni++)
        {
            if (b != null) for (int co = 0; co < cout; co++) for (int yy = 0; yy < ho; yy++) for (int xx = 0; xx < wo; xx++) y[ni, co, yy, xx] = b.Data[co];
            for (int ci = 0; ci < cin; ci++)
            {
                int g = ci / cig;
                for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < wd; ix++)
                for (int co = 0; co < cog; co++)
                for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    int oy = iy * s - p + i * d, ox = ix * s - p + j * d;
                    if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
                    y[ni, g * cog + co, oy, ox] += x[ni, ci, iy, ix] * w[ci, co, i, j];
                }
            }
        }
        return y;
    }

    public static RefTensor PixelShuffle(RefTensor x, int r)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], oc = c / (r * r);
        var y = new RefTensor(new[] { n, oc, h * r, w * r });
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < oc; ci++)
        for (int yy = 0; yy < h * r; yy++)
        for (int xx = 0; xx < w * r; xx++)
            y[ni, ci, yy, xx] = x[ni, ci * r * r + (yy % r) * r + (xx % r), yy / r, xx / r];
        return y;
    }

    public static RefTensor PixelUnshuffle(RefTensor x, int r)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var y = new RefTensor(new[] { n, c * r * r, h / r, w / r });
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < c; ci++)
        for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < w; xx++)
            y[ni, ci * r * r + (yy % r) * r + (xx % r), yy / r, xx / r] = x[ni, ci, yy, xx];
        return y;
    }

    public static RefTensor Concat(RefTensor[] xs, int dim)
    {
        int r = xs[0].Rank; if (dim < 0) dim += r;
        var shape = (int[])xs[0].Shape.Clone();
        shape[dim] = xs.Sum(t => t.Shape[dim]);
        var y = new RefTensor(shape);
        int off = 0;
        foreach (var x in xs)
        {
            for (int i = 0; i < x.Length; i++)
            {
                var idx = x.Unravel(i); idx[dim] += off;
                y[idx] = x.Data[i];
            }
            off += x.Shape[dim];
        }
        return y;
    }

    public static double Mean(RefTensor x) => x.Data.Sum() / x.Length;
}
