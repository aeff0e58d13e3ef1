namespace HdrOfx.Engine.Tensors;

/// <summary>Views: no data is copied unless stated. Every view is differentiable.</summary>
public sealed partial class Tensor
{
    /// <summary>Same elements, new shape (one dim may be -1). A view when contiguous, else a copy.</summary>
    public Tensor Reshape(params int[] shape)
    {
        ThrowIfDisposed();
        shape = ResolveShape(shape, Numel);
        if (!IsContiguous)
        {
            // copy, then view the copy; the copy's Tensor object is released (its storage lives on in the view)
            var c = Clone();
            var r = c.Reshape(shape);
            c.Dispose();
            return r;
        }
        var y = MakeView(shape, ContiguousStrides(shape), Offset);
        if (NeedsGrad(this))
        {
            var inShape = _shape;
            y.SetGradFn("Reshape", g => new[] { g.Reshape(inShape) }, this);
        }
        return y;
    }

    /// <summary>Flattens dims [startDim, endDim] into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        int s = NormDim(startDim, Math.Max(Rank, 1)), e = NormDim(endDim, Math.Max(Rank, 1));
        if (Rank == 0) return Reshape(1);
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(_shape[i]);
        int m = 1;
        for (int i = s; i <= e; i++) m *= _shape[i];
        shape.Add(m);
        for (int i = e + 1; i < Rank; i++) shape.Add(_shape[i]);
        return Reshape(shape.ToArray());
    }

    private static int[] ResolveShape(int[] shape, int numel)
    {
        int neg = -1; long prod = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (neg >= 0) throw new ArgumentException($"shape {ShapeString(shape)} has more than one -1");
                neg = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"shape {ShapeString(shape)} has a negative dimension");
            else prod *= shape[i];
        }
        if (neg >= 0)
        {
            if (prod == 0 || numel % prod != 0) throw new ArgumentException($"cannot infer -1 in {ShapeString(shape)} for {numel} elements");
            shape = (int[])shape.Clone();
            shape[neg] = (int)(numel / prod);
            prod = numel;
        }
        if (prod != numel) throw new ArgumentException($"cannot reshape {numel} elements to {ShapeString(shape)}");
        return (int[])shape.Clone();
    }

    /// <summary>Reorders dims: result dim i is input dim <c>dims[i]</c>.</summary>
    public Tensor Permute(params int[] dims)
    {
        ThrowIfDisposed();
        if (dims.Length != Rank) throw new ArgumentException($"permute needs {Rank} dims, got {dims.Length}", nameof(dims));
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inv = new int[Rank];
        var used = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = NormDim(dims[i], Rank);
            if (used[d]) throw new ArgumentException($"permute dims {ShapeString(dims)} repeat {d}", nameof(dims));
            used[d] = true;
            shape[i] = _shape[d]; strides[i] = _strides[d]; inv[d] = i;
        }
        var y = MakeView(shape, strides, Offset);
        if (NeedsGrad(this)) y.SetGradFn("Permute", g => new[] { g.Permute(inv) }, this);
        return y;
    }

    /// <summary>Swaps two dims (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        var p = new int[Rank];
        for (int i = 0; i < Rank; i++) p[i] = i;
        int a = NormDim(dim0, Rank), b = NormDim(dim1, Rank);
        (p[a], p[b]) = (p[b], p[a]);
        return Permute(p);
    }

    /// <summary>Elements [start, start+length) along <paramref name="dim"/> (a view).</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length, 1);

    /// <summary>Elements start, start+step, ... below end along <paramref name="dim"/> (a view). Negative start/end count from the end.</summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        ThrowIfDisposed();
        int d = NormDim(dim, Rank);
        int n = _shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"step {step} must be positive");
        if (start < 0 || start > n || end < start || end > n)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {end}) out of range for dim {d} of size {n}");
        var shape = (int[])_shape.Clone();
        var strides = (int[])_strides.Clone();
        shape[d] = (end - start + step - 1) / step;
        strides[d] = _strides[d] * step;
        var y = MakeView(shape, strides, Offset + start * _strides[d]);
        if (NeedsGrad(this))
        {
            var inShape = _shape;
            int s0 = start, e0 = end, st = step;
            y.SetGradFn("Slice", g =>
            {
                var gx = Zeros(inShape, g.Device);
                using var v = gx.Slice(d, s0, e0, st);
                v.Backend.Copy(g, v);
                return new[] { gx };
            }, this);
        }
        return y;
    }

    /// <summary>Selects index <paramref name="index"/> along <paramref name="dim"/>, removing that dim (a view).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = NormDim(dim, Rank);
        if (index < 0) index += _shape[d];
        using var n = Narrow(d, index, 1);
        return n.Squeeze(d);
    }

    /// <summary>Broadcasts size-1 dims (and new leading dims) to <paramref name="shape"/> with stride 0 (a view).</summary>
    public Tensor Expand(params int[] shape)
    {
        ThrowIfDisposed();
        if (shape.Length < Rank) throw new ArgumentException($"cannot expand {ShapeString(_shape)} to fewer dims {ShapeString(shape)}");
        var strides = new int[shape.Length];
        var outShape = new int[shape.Length];
        int lead = shape.Length - Rank;
        for (int i = 0; i < shape.Length; i++)
        {
            int target = shape[i];
            if (i < lead)
            {
                if (target < 0) throw new ArgumentException($"expand: new leading dim {i} cannot be -1");
                outShape[i] = target; strides[i] = 0; continue;
            }
            int src = _shape[i - lead];
            if (target == -1 || target == src) { outShape[i] = src; strides[i] = _strides[i - lead]; }
            else if (src == 1) { outShape[i] = target; strides[i] = 0; }
            else throw new ArgumentException($"cannot expand {ShapeString(_shape)} to {ShapeString(shape)}: dim {i} is {src}, not 1");
        }
        var y = MakeView(outShape, strides, Offset);
        if (NeedsGrad(this))
        {
            var inShape = _shape;
            y.SetGradFn("Expand", g => new[] { SumToShape(g, inShape) }, this);
        }
        return y;
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (a view).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = dim < 0 ? dim + Rank + 1 : dim;
        if ((uint)d > (uint)Rank) throw new ArgumentOutOfRangeException(nameof(dim), $"dim {dim} out of range for unsqueeze of rank {Rank}");
        var shape = new int[Rank + 1];
        var strides = new int[Rank + 1];
        for (int i = 0, j = 0; i <= Rank; i++)
        {
            if (i == d) { shape[i] = 1; strides[i] = d < Rank ? _strides[d] * _shape[d] : 1; continue; }
            shape[i] = _shape[j]; strides[i] = _strides[j]; j++;
        }
        return StridedView(shape, strides, "Unsqueeze");
    }

    /// <summary>Removes size-1 dim <paramref name="dim"/> (a view).</summary>
    public Tensor Squeeze(int dim)
    {
        int d = NormDim(dim, Rank);
        if (_shape[d] != 1) throw new ArgumentException($"cannot squeeze dim {d} of size {_shape[d]}");
        var shape = new int[Rank - 1];
        var strides = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (i == d) continue;
            shape[j] = _shape[i]; strides[j] = _strides[i]; j++;
        }
        return StridedView(shape, strides, "Squeeze");
    }

    private Tensor StridedView(int[] shape, int[] strides, string name)
    {
        var y = MakeView(shape, strides, Offset);
        if (NeedsGrad(this))
        {
            var inShape = _shape;
            y.SetGradFn(name, g => new[] { g.Reshape(inShape) }, this);
        }
        return y;
    }

    /// <summary>The shape two operands broadcast to (NumPy rules).</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1;
            int db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {ShapeString(a)} and {ShapeString(b)} do not broadcast (dim {i}: {da} vs {db})");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    /// <summary>
    /// Sums <paramref name="g"/> down to <paramref name="shape"/> (the reverse of broadcasting).
    /// Returns <paramref name="g"/> itself when shapes already match. Not recorded.
    /// </summary>
    public static Tensor SumToShape(Tensor g, int[] shape)
    {
        if (g._shape.AsSpan().SequenceEqual(shape)) return g;
        int lead = g.Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"cannot sum {ShapeString(g._shape)} to larger rank {ShapeString(shape)}");
        var keep = new int[g.Rank];
        for (int i = 0; i < g.Rank; i++)
        {
            keep[i] = i < lead ? 1 : shape[i - lead];
            if (keep[i] != 1 && keep[i] != g._shape[i])
                throw new ArgumentException($"cannot sum {ShapeString(g._shape)} to {ShapeString(shape)}");
        }
        var y = Create(keep, g.Device);
        g.Backend.SumTo(g, y);
        if (lead == 0) return y;
        var r = y.MakeView((int[])shape.Clone(), ContiguousStrides(shape), 0);
        y.Dispose();
        return r;
    }
}
