namespace HdrOfx.Engine.Tensors;

/// <summary>Concat, split, pixel shuffle/unshuffle.</summary>
public sealed partial class Tensor
{
    /// <summary>Joins tensors along <paramref name="dim"/>; all other dims must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> xs, int dim)
    {
        if (xs.Count == 0) throw new ArgumentException("Concat needs at least one tensor", nameof(xs));
        var first = xs[0];
        int d = NormDim(dim, first.Rank);
        var shape = (int[])first._shape.Clone();
        shape[d] = 0;
        foreach (var x in xs)
        {
            CheckSame(first, x, "Concat");
            if (x.Rank != first.Rank) throw new ArgumentException($"Concat: rank {x.Rank} vs {first.Rank}");
            for (int i = 0; i < x.Rank; i++)
                if (i != d && x._shape[i] != first._shape[i])
                    throw new ArgumentException($"Concat: shape {ShapeString(x._shape)} does not match {ShapeString(first._shape)} outside dim {d}");
            shape[d] += x._shape[d];
        }
        var y = Create(shape, first.Device);
        int off = 0;
        var sizes = new int[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            var x = xs[i];
            sizes[i] = x._shape[d];
            using var v = y.SliceView(d, off, x._shape[d]);
            y.Backend.Copy(x, v);
            off += x._shape[d];
        }
        var inputs = xs.ToArray();
        if (NeedsGrad(inputs))
            y.SetGradFn("Concat", g =>
            {
                var r = new Tensor?[inputs.Length];
                int o = 0;
                for (int i = 0; i < inputs.Length; i++)
                {
                    if (inputs[i]._requiresGrad)
                    {
                        using var v = g.SliceView(d, o, sizes[i]);
                        r[i] = Create(v._shape, g.Device);
                        g.Backend.Copy(v, r[i]!);
                    }
                    o += sizes[i];
                }
                return r;
            }, inputs);
        return y;
    }

    /// <summary>Joins same-shaped tensors along a new dim <paramref name="dim"/> (e.g. frames into [N, T, C, H, W]).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> xs, int dim)
    {
        if (xs.Count == 0) throw new ArgumentException("Stack needs at least one tensor", nameof(xs));
        int d = dim < 0 ? dim + xs[0].Rank + 1 : dim;
        var us = new Tensor[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            if (!xs[i]._shape.AsSpan().SequenceEqual(xs[0]._shape))
                throw new ArgumentException($"Stack: shape {ShapeString(xs[i]._shape)} differs from {ShapeString(xs[0]._shape)}");
            us[i] = xs[i].Unsqueeze(d);
        }
        var y = Concat(us, d);
        foreach (var u in us) u.Dispose(); // views: the graph only needs their shapes
        return y;
    }

    /// <summary>A narrow view without autograd (internal plumbing).</summary>
    internal Tensor SliceView(int d, int start, int length)
    {
        var shape = (int[])_shape.Clone();
        shape[d] = length;
        return MakeView(shape, (int[])_strides.Clone(), Offset + start * _strides[d]);
    }

    /// <summary>Splits along <paramref name="dim"/> into pieces of the given sizes (views; differentiable).</summary>
    public Tensor[] Split(int[] sizes, int dim)
    {
        int d = NormDim(dim, Rank);
        if (sizes.Sum() != _shape[d]) throw new ArgumentException($"Split sizes {ShapeString(sizes)} do not add up to {_shape[d]}");
        var r = new Tensor[sizes.Length];
        int o = 0;
        for (int i = 0; i < sizes.Length; i++) { r[i] = Narrow(d, o, sizes[i]); o += sizes[i]; }
        return r;
    }

    /// <summary>Splits into <paramref name="chunks"/> equal pieces along <paramref name="dim"/>.</summary>
    public Tensor[] Chunk(int chunks, int dim)
    {
        int d = NormDim(dim, Rank);
        if (chunks <= 0 || _shape[d] % chunks != 0) throw new ArgumentException($"cannot split dim {d} of size {_shape[d]} into {chunks} equal chunks");
        return Split(Enumerable.Repeat(_shape[d] / chunks, chunks).ToArray(), d);
    }

    /// <summary>[N, C·r², H, W] → [N, C, H·r, W·r] (Shi et al. 2016). Built from reshape/permute, so it is differentiable.</summary>
    public Tensor PixelShuffle(int r)
    {
        if (Rank != 4) throw new ArgumentException($"PixelShuffle needs [N,C,H,W], got {ShapeString(_shape)}");
        int n = _shape[0], c = _shape[1], h = _shape[2], w = _shape[3];
        if (r <= 0 || c % (r * r) != 0) throw new ArgumentException($"PixelShuffle: channels {c} not divisible by r²={r * r}");
        int oc = c / (r * r);
        using var a = Reshape(n, oc, r, r, h, w);
        using var b = a.Permute(0, 1, 4, 2, 5, 3);
        return b.Reshape(n, oc, h * r, w * r);
    }

    /// <summary>[N, C, H·r, W·r] → [N, C·r², H, W], the inverse of <see cref="PixelShuffle"/>.</summary>
    public Tensor PixelUnshuffle(int r)
    {
        if (Rank != 4) throw new ArgumentException($"PixelUnshuffle needs [N,C,H,W], got {ShapeString(_shape)}");
        int n = _shape[0], c = _shape[1], h = _shape[2], w = _shape[3];
        if (r <= 0 || h % r != 0 || w % r != 0) throw new ArgumentException($"PixelUnshuffle: {h}x{w} not divisible by {r}");
        using var a = Reshape(n, c, h / r, r, w / r, r);
        using var b = a.Permute(0, 1, 3, 5, 2, 4);
        return b.Reshape(n, c * r * r, h / r, w / r);
    }
}
