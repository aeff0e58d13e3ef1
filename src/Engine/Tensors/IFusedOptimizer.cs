namespace HdrOfx.Engine.Tensors;

/// <summary>
/// A backend that can run an optimizer update as one kernel per parameter (the CPU has its own fused span loop;
/// otherwise optimizers fall back to sequences of tensor ops).
/// </summary>
public interface IFusedOptimizer
{
    /// <summary>
    /// AdamW (Loshchilov &amp; Hutter 2019, decoupled decay) on contiguous tensors of one shape, in the CPU loop's order:
    /// p ← p·decay; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; p ← p − stepSize·m / (√v·invSqrtBc2 + eps).
    /// </summary>
    void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, float decay, float beta1, float beta2, float oneMinusBeta1,
        float oneMinusBeta2, float stepSize, float invSqrtBc2, float eps);
}
