namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>Group norm and channel (layer) norm on norm.cu; tensors arrive as contiguous [N, C, S] views.</summary>
public sealed unsafe partial class CudaBackend
{
    private static nint OrNull(Tensor? t) => t is null ? 0 : At(t);

    public void GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, int groups, float eps)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c), g = groups;
        if (n * g == 0) return;
        nint px = At(x), pg = OrNull(gamma), pb = OrNull(beta), py = At(y), pm = At(mean), pr = At(rstd);
        void** args = stackalloc void*[] { &n, &c, &s, &g, &eps, &px, &pg, &pb, &py, &pm, &pr };
        Launch("hx_group_norm", Math.Min(n * g, MaxBlocks), args);
    }

    public void GroupNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c), g = groups;
        if (n * g == 0) return;
        nint px = At(x), pg = OrNull(gamma), pm = At(mean), pr = At(rstd), pdy = At(dy), pdx = At(dx);
        void** args = stackalloc void*[] { &n, &c, &s, &g, &px, &pg, &pm, &pr, &pdy, &pdx };
        Launch("hx_group_norm_grad", Math.Min(n * g, MaxBlocks), args);
        ParamGrads(n, c, s, g, px, pm, pr, pdy, dgamma, dbeta);
    }

    public void ChannelNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, float eps)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        if (n * s == 0) return;
        nint px = At(x), pg = OrNull(gamma), pb = OrNull(beta), py = At(y), pm = At(mean), pr = At(rstd);
        void** args = stackalloc void*[] { &n, &c, &s, &eps, &px, &pg, &pb, &py, &pm, &pr };
        Launch("hx_channel_norm", Grid(n * s), args);
    }

    public void ChannelNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        if (n * s == 0) return;
        nint px = At(x), pg = OrNull(gamma), pm = At(mean), pr = At(rstd), pdy = At(dy), pdx = At(dx);
        void** args = stackalloc void*[] { &n, &c, &s, &px, &pg, &pm, &pr, &pdy, &pdx };
        Launch("hx_channel_norm_grad", Grid(n * s), args);
        ParamGrads(n, c, s, 0, px, pm, pr, pdy, dgamma, dbeta);
    }

    private void ParamGrads(int n, int c, int s, int g, nint px, nint pm, nint pr, nint pdy, Tensor? dgamma, Tensor? dbeta)
    {
        if (dgamma is null && dbeta is null) return;
        nint pdg = OrNull(dgamma), pdb = OrNull(dbeta);
        void** args = stackalloc void*[] { &n, &c, &s, &g, &px, &pm, &pr, &pdy, &pdg, &pdb };
        Launch("hx_norm_param_grad", Math.Min(c, MaxBlocks), args);
    }
}
