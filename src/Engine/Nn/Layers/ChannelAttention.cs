using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Restormer's multi-Dconv head transposed attention, MDTA (Zamir et al. 2022, Eq. 2): q, k, v from a 1×1 conv
/// and a 3×3 depthwise conv; attention across channels, softmax(k̂ᵀ·q̂·τ) with L2-normalized q, k and a learned
/// per-head temperature τ, so the cost is linear in pixels (DESIGN §5: full-resolution ZiCA uses it).
/// Children "qkv", "qkv_dwconv", "project_out"; parameter "temperature" [heads, 1, 1].
/// </summary>
public sealed class ChannelAttention : Module
{
    public int Channels { get; }
    public int Heads { get; }
    public Tensor Temperature { get; }
    private readonly Conv2d _qkv, _dw, _out;

    public ChannelAttention(int channels, int heads, Rng rng, bool bias = false)
    {
        if (heads <= 0 || channels % heads != 0) throw new ArgumentException($"ChannelAttention: {channels} channels are not divisible by {heads} heads");
        Channels = channels; Heads = heads;
        Temperature = RegisterParameter("temperature", Tensor.Ones(heads, 1, 1));
        _qkv = RegisterModule("qkv", new Conv2d(channels, 3 * channels, 1, rng, bias: bias));
        _dw = RegisterModule("qkv_dwconv", new Conv2d(3 * channels, 3 * channels, 3, rng, padding: 1, groups: 3 * channels, bias: bias));
        _out = RegisterModule("project_out", new Conv2d(channels, channels, 1, rng, bias: bias));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels) throw new ArgumentException($"ChannelAttention({Channels}): input {Tensor.ShapeString(x.Shape)} is not [B, {Channels}, H, W]");
        int b = x.Shape[0], h = x.Shape[2], w = x.Shape[3], ch = Channels / Heads;
        var qkv = _dw.Forward(_qkv.Forward(x)).Chunk(3, 1);
        var q = qkv[0].Reshape(b, Heads, ch, h * w);
        var k = qkv[1].Reshape(b, Heads, ch, h * w);
        var v = qkv[2].Reshape(b, Heads, ch, h * w);
        var o = Tensor.ChannelAttention(q, k, v, Temperature).Reshape(b, Channels, h, w); // attention map [B, heads, ch, ch]
        return _out.Forward(o);
    }

    public override string TypeName => $"ChannelAttention({Channels}, heads={Heads})";
}
