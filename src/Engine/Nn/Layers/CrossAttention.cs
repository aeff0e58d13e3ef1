using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Multi-head cross-attention: queries from x [B, Lq, C], keys and values from context [B, Lk, Cc]
/// (ZiCA, hdr-v-diff §3.3: temporal features attend to the prior's features). Children "q", "kv", "proj".
/// </summary>
public sealed class CrossAttention : Module
{
    public int Dim { get; }
    public int ContextDim { get; }
    public int Heads { get; }
    public Linear Q { get; }
    public Linear Kv { get; }
    public Linear Proj { get; }

    public CrossAttention(int dim, int contextDim, int heads, Rng rng)
    {
        if (heads <= 0 || dim % heads != 0) throw new ArgumentException($"CrossAttention: dim {dim} is not divisible by {heads} heads");
        Dim = dim; ContextDim = contextDim; Heads = heads;
        Q = RegisterModule("q", new Linear(dim, dim, rng));
        Kv = RegisterModule("kv", new Linear(contextDim, 2 * dim, rng));
        Proj = RegisterModule("proj", new Linear(dim, dim, rng));
    }

    public Tensor Forward(Tensor x, Tensor context)
    {
        if (x.Rank != 3 || x.Shape[2] != Dim) throw new ArgumentException($"CrossAttention: query {Tensor.ShapeString(x.Shape)} is not [B, L, {Dim}]");
        if (context.Rank != 3 || context.Shape[2] != ContextDim || context.Shape[0] != x.Shape[0])
            throw new ArgumentException($"CrossAttention: context {Tensor.ShapeString(context.Shape)} is not [{x.Shape[0]}, L, {ContextDim}]");
        int b = x.Shape[0], lq = x.Shape[1], lk = context.Shape[1], d = Dim / Heads;
        var q = Q.Forward(x).Reshape(b, lq, Heads, d).Permute(0, 2, 1, 3);
        var kv = Kv.Forward(context).Reshape(b, lk, 2, Heads, d).Permute(2, 0, 3, 1, 4);
        var o = Functional.ScaledDotProductAttention(q, kv.Select(0, 0), kv.Select(0, 1));
        return Proj.Forward(o.Permute(0, 2, 1, 3).Reshape(b, lq, Dim));
    }

    public override string TypeName => $"CrossAttention({Dim} ← {ContextDim}, heads={Heads})";
}
