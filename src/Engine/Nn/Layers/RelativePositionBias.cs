using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Learned relative position bias for attention inside a P×P window (Swin/MaxViT): a table [heads, (2P−1)²] with one
/// entry per relative offset (Δy, Δx); token pair (i, j) gets table[h, (yᵢ−yⱼ+P−1)(2P−1) + (xᵢ−xⱼ+P−1)]. The gather is a
/// product with a fixed one-hot matrix [(2P−1)², P⁴] (not part of the state dict), so the table's gradient comes from
/// MatMul's backward. Parameter "table", initialized N(0, 0.02²).
/// </summary>
public sealed class RelativePositionBias : Module
{
    public int Heads { get; }
    public int Window { get; }
    public Tensor Table { get; }
    private readonly Tensor _oneHot;

    public RelativePositionBias(int heads, int window, Rng rng)
    {
        if (heads <= 0 || window <= 0) throw new ArgumentOutOfRangeException(nameof(window), $"RelativePositionBias({heads}, {window}): sizes must be positive");
        if (window > 16) throw new ArgumentOutOfRangeException(nameof(window), $"window {window} > 16: the one-hot gather matrix would be too large");
        Heads = heads; Window = window;
        int r = 2 * window - 1, l = window * window;
        Table = RegisterParameter("table", Tensor.Empty(heads, r * r));
        Init.Normal(Table, rng, 0, 0.02f);
        _oneHot = TensorScope.Detach(Tensor.Zeros(r * r, l * l));
        var s = _oneHot.Span;
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++)
            {
                int rel = (i / window - j / window + window - 1) * r + (i % window - j % window + window - 1);
                s[rel * l * l + i * l + j] = 1f;
            }
    }

    /// <summary>Index into the table for tokens i, j (row-major in the window).</summary>
    public int IndexOf(int i, int j)
    {
        int r = 2 * Window - 1;
        return (i / Window - j / Window + Window - 1) * r + (i % Window - j % Window + Window - 1);
    }

    /// <summary>The bias [heads, P², P²] to add to the attention scores.</summary>
    public Tensor Bias()
    {
        int l = Window * Window;
        return Tensor.MatMul(Table, _oneHot).Reshape(Heads, l, l);
    }

    public override Tensor Forward(Tensor x) => throw new NotSupportedException("RelativePositionBias has no input; call Bias()");

    /// <summary>The one-hot gather matrix is not state (it is rebuilt from the window size) but must follow the table.</summary>
    protected override void MoveInternals(Device device) => _oneHot.MoveTo(device);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed) _oneHot.Dispose();
        base.Dispose(disposing);
    }

    public override string TypeName => $"RelativePositionBias(heads={Heads}, P={Window})";
}
