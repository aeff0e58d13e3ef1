namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>Fused optimizer updates (elementwise.cu): one launch per parameter instead of a dozen.</summary>
public sealed unsafe partial class CudaBackend : IFusedOptimizer
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, float decay, float beta1, float beta2, float oneMinusBeta1,
        float oneMinusBeta2, float stepSize, float invSqrtBc2, float eps)
    {
        foreach (var t in new[] { param, grad, m, v }) RequireContiguous(t, "AdamWStep");
        int n = param.Numel;
        if (grad.Numel != n || m.Numel != n || v.Numel != n) throw new ArgumentException("AdamWStep: parameter, gradient and moments differ in size");
        if (n == 0) return;
        nint pp = At(param), pg = At(grad), pm = At(m), pv = At(v);
        void** args = stackalloc void*[] { &n, &decay, &beta1, &beta2, &oneMinusBeta1, &oneMinusBeta2, &stepSize, &invSqrtBc2, &eps, &pp, &pg, &pm, &pv };
        Launch("hx_adamw", Grid(n), args);
    }
}
