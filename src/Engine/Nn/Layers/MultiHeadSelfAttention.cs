using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Multi-head self-attention over tokens [B, L, C] (Vaswani et al. 2017): one fused qkv projection, per-head
/// softmax(q·kᵀ/√d)·v, output projection. Children "qkv" and "proj".
/// </summary>
public sealed class MultiHeadSelfAttention : Module
{
    public int Dim { get; }
    public int Heads { get; }
    public Linear Qkv { get; }
    public Linear Proj { get; }

    public MultiHeadSelfAttention(int dim, int heads, Rng rng, bool qkvBias = true)
    {
        if (heads <= 0 || dim % heads != 0) throw new ArgumentException($"MultiHeadSelfAttention: dim {dim} is not divisible by {heads} heads");
        Dim = dim; Heads = heads;
        Qkv = RegisterModule("qkv", new Linear(dim, 3 * dim, rng, qkvBias));
        Proj = RegisterModule("proj", new Linear(dim, dim, rng));
    }

    public override Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>With an additive score bias broadcasting to [B, heads, L, L] (e.g. a relative position bias [heads, L, L]).</summary>
    public Tensor Forward(Tensor x, Tensor? bias)
    {
        if (x.Rank != 3 || x.Shape[2] != Dim) throw new ArgumentException($"MultiHeadSelfAttention({Dim}): input {Tensor.ShapeString(x.Shape)} is not [B, L, {Dim}]");
        int b = x.Shape[0], l = x.Shape[1], d = Dim / Heads;
        var qkv = Qkv.Forward(x).Reshape(b, l, 3, Heads, d).Permute(2, 0, 3, 1, 4); // [3, B, h, L, d]
        var o = Tensor.ScaledDotProductAttention(qkv.Select(0, 0), qkv.Select(0, 1), qkv.Select(0, 2), bias);
        return Proj.Forward(o.Permute(0, 2, 1, 3).Reshape(b, l, Dim));
    }

    public override string TypeName => $"MultiHeadSelfAttention({Dim}, heads={Heads})";
}
