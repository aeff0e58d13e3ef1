using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models;

/// <summary>The three scales of the temporal decoder's features.</summary>
public enum FeatureScale { Quarter, Half, Full }

/// <summary>
/// A hook into the temporal decoder (hdr-v-diff §3.3): it receives the decoder's feature at each scale, coarse to fine,
/// and returns the feature the decoder continues with (ZiCA returns F_t + λ·Z(…), Eq. 6).
/// </summary>
public interface ITemporalFusion
{
    Tensor Fuse(FeatureScale scale, Tensor temporal);
}
